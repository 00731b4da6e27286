// The leaderboard page's behaviour (reports/html.cpp inlines it after Chart.js).
// Stored text only ever reaches the page through textContent, never as HTML.
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('ys-data').textContent);
  const PAGE = 20;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const pct = (v) => (v * 100).toFixed(1);

  // ---- sorting the leaderboard -------------------------------------------------------
  const board = document.getElementById('board');
  function sortBoard(col, dir) {
    const body = board.tBodies[0];
    const text = col === 0;
    const rows = Array.from(body.rows);
    const key = (r) => r.cells[col].dataset.value;
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      if (text) return dir * x.localeCompare(y);
      if (x === '' || y === '') return (x === '') - (y === '');  // missing last
      return dir * (parseFloat(x) - parseFloat(y));
    });
    for (const r of rows) body.appendChild(r);
    for (const th of board.tHead.rows[0].cells) delete th.dataset.sort;
    board.tHead.rows[0].cells[col].dataset.sort = dir > 0 ? 'asc' : 'desc';
  }
  if (board) {
    for (const th of board.tHead.rows[0].cells) {
      th.title = 'click to sort';
      th.addEventListener('click', () => {
        const col = th.cellIndex;
        // Scores sort best first on the first click, names A-Z.
        const dir = th.dataset.sort ? (th.dataset.sort === 'asc' ? -1 : 1) : col === 0 ? 1 : -1;
        sortBoard(col, dir);
      });
    }
  }

  // ---- charts --------------------------------------------------------------------------
  // Chart.js draws no error bars: this plugin draws each dataset's `errorBars` [{low, high}]
  // as whiskers, `pointLabels` as text beside points, and counts draws on the canvas.
  const marks = {
    id: 'ysMarks',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      chart.data.datasets.forEach((ds, i) => {
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach((p, j) => {
          ctx.save();
          if (ds.errorBars && ds.errorBars[j]) {
            const y = chart.scales.y;
            const top = y.getPixelForValue(ds.errorBars[j].high);
            const bottom = y.getPixelForValue(ds.errorBars[j].low);
            ctx.strokeStyle = '#333';
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.moveTo(p.x, top); ctx.lineTo(p.x, bottom);
            ctx.moveTo(p.x - 5, top); ctx.lineTo(p.x + 5, top);
            ctx.moveTo(p.x - 5, bottom); ctx.lineTo(p.x + 5, bottom);
            ctx.stroke();
          }
          if (ds.pointLabels && ds.pointLabels[j]) {
            ctx.fillStyle = '#333';
            ctx.font = '11px system-ui, sans-serif';
            ctx.fillText(ds.pointLabels[j], p.x + 6, p.y - 6);
          }
          ctx.restore();
        });
      });
    },
    afterDraw(chart) {
      chart.canvas.dataset.drawn = String(Number(chart.canvas.dataset.drawn || 0) + 1);
    },
  };
  const charts = [];
  const haveCharts = typeof Chart !== 'undefined';
  if (haveCharts) Chart.register(marks);
  const baseOptions = { animation: false, responsive: true, maintainAspectRatio: false };

  const cellOf = {};  // model -> task -> board cell
  for (const c of data.board) (cellOf[c.model] = cellOf[c.model] || {})[c.task] = c;
  const resultOf = {};  // run/task -> result
  for (const r of data.results) resultOf[r.run + '/' + r.task] = r;

  const chartsDiv = document.getElementById('task-charts');
  for (const task of data.tasks) {
    const models = data.models.filter((m) => cellOf[m] && cellOf[m][task]);
    if (!models.length || !haveCharts) continue;
    const box = el('div', { class: 'chart-box' });
    const canvas = el('canvas', { 'data-task': task });
    box.appendChild(canvas);
    chartsDiv.appendChild(box);
    const cells = models.map((m) => cellOf[m][task]);
    const metric = (resultOf[cells[0].run + '/' + task] || { metrics: [{ metric: '' }] })
      .metrics[0].metric;
    charts.push(new Chart(canvas, {
      type: 'bar',
      data: {
        labels: models,
        datasets: [{
          label: metric + ' (%)',
          data: cells.map((c) => c.mean * 100),
          errorBars: cells.map((c) => ({ low: c.low * 100, high: c.high * 100 })),
          backgroundColor: '#7aa6da',
        }],
      },
      options: Object.assign({}, baseOptions, {
        plugins: { title: { display: true, text: task } },
        scales: { y: { beginAtZero: true, suggestedMax: 100 } },
      }),
    }));
  }

  // ---- efficiency ------------------------------------------------------------------
  const effTask = document.getElementById('eff-task');
  const effX = document.getElementById('eff-x');
  const common = data.tasks.filter((t) => data.models.every((m) => cellOf[m] && cellOf[m][t]));
  if (common.length > 1) effTask.appendChild(el('option', { value: '' }, 'average of ' + common.join(', ')));
  for (const t of data.tasks) effTask.appendChild(el('option', { value: t }, t));
  const axes = [['tokens', 'tokens per sample'], ['latency_s', 'latency per sample (s)']];
  if (data.results.some((r) => r.cost !== undefined)) axes.unshift(['cost', 'cost per sample ($)']);
  for (const [k, label] of axes) effX.appendChild(el('option', { value: k }, label));
  let effChart = null;
  function efficiencyPoints(task, x) {
    const tasks = task ? [task] : common;
    const pts = [];
    for (const m of data.models) {
      let y = 0, total = 0, n = 0, ok = true;
      for (const t of tasks) {
        const c = cellOf[m] && cellOf[m][t];
        const r = c && resultOf[c.run + '/' + t];
        if (!r || r[x] === undefined || !r.samples) { ok = false; break; }
        y += c.mean; total += r[x]; n += r.samples;
      }
      if (ok && tasks.length) pts.push({ x: total / n, y: (y / tasks.length) * 100, model: m });
    }
    return pts;
  }
  // Pareto frontier: the points no other point beats on both axes (lower x, higher y).
  function pareto(pts) {
    const sorted = pts.slice().sort((a, b) => a.x - b.x || b.y - a.y);
    const out = [];
    for (const p of sorted) if (!out.length || p.y > out[out.length - 1].y) out.push(p);
    return out;
  }
  function drawEfficiency() {
    if (!haveCharts) return;
    const x = effX.value;
    const pts = efficiencyPoints(effTask.value, x);
    const front = pareto(pts);
    if (effChart) effChart.destroy();
    effChart = new Chart(document.getElementById('eff-chart'), {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'models', data: pts, pointLabels: pts.map((p) => p.model),
            backgroundColor: '#2a5db0', pointRadius: 5 },
          { label: 'Pareto frontier', data: front, showLine: true, borderColor: '#d0702a',
            backgroundColor: '#d0702a', pointRadius: 0, fill: false },
        ],
      },
      options: Object.assign({}, baseOptions, {
        layout: { padding: { right: 90 } },
        scales: {
          x: { title: { display: true, text: effX.selectedOptions[0].textContent } },
          y: { title: { display: true, text: 'score (%)' } },
        },
      }),
    });
    document.getElementById('eff-chart').dataset.points = String(pts.length);
    document.getElementById('eff-chart').dataset.frontier = front.map((p) => p.model).join('\n');
  }
  effTask.addEventListener('change', drawEfficiency);
  effX.addEventListener('change', drawEfficiency);
  if (data.models.length) drawEfficiency();

  // ---- long-context heatmaps ----------------------------------------------------------
  const heat = document.getElementById('heatmap-list');
  if (!data.heatmaps.length) {
    heat.appendChild(el('div', { class: 'hint' },
      'No sample in this store carries a depth and a context length (docs/REPORTS.md).'));
  }
  for (const h of data.heatmaps) {
    const depths = [...new Set(h.cells.map((c) => c[0]))].sort((a, b) => a - b);
    const lengths = [...new Set(h.cells.map((c) => c[1]))].sort((a, b) => a - b);
    const at = {};
    for (const c of h.cells) at[c[0] + '/' + c[1]] = c;
    const table = el('table', { class: 'heatmap' });
    table.appendChild(el('caption', {}, h.model + ' #' + h.run + ' \u2014 ' + h.task +
      ' (rows: depth %, columns: context length in tokens)'));
    const head = table.createTHead().insertRow();
    head.appendChild(el('th', {}, 'depth'));
    for (const l of lengths) head.appendChild(el('th', {}, l >= 1024 ? Math.round(l / 1024) + 'K' : String(l)));
    const body = table.createTBody();
    for (const d of depths) {
      const tr = body.insertRow();
      tr.appendChild(el('th', {}, String(d)));
      for (const l of lengths) {
        const c = at[d + '/' + l];
        const td = el('td', {}, c ? pct(c[2]) : '\u2013');
        if (c) {
          td.style.background = 'hsl(' + Math.round(c[2] * 120) + ',65%,72%)';
          td.title = c[3] + ' samples';
        }
        tr.appendChild(td);
      }
    }
    heat.appendChild(table);
  }

  // ---- sample browser ------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const runSel = $('sb-run'), taskSel = $('sb-task'), verdictSel = $('sb-verdict'), otherSel = $('sb-other');
  const list = $('sb-list'), summary = $('sb-summary');
  const modelOf = {};
  for (const r of data.runs) modelOf[r.id] = r.model;
  const chunkOf = {};  // run/task -> chunk
  for (const c of data.chunks) chunkOf[c.run + '/' + c.task] = c;
  const cache = {};
  let page = 0;

  async function load(chunk) {
    if (!cache[chunk.id]) {
      cache[chunk.id] = (async () => {
        const b64 = document.getElementById(chunk.id).textContent;
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
        const rows = JSON.parse(await new Response(stream).text());
        return rows.map((r) => {
          const s = { id: r[0], repeat: r[1], request: r[2] || {}, response: r[3] || {},
            reference: r[4], extracted: r[5], scores: r[6], error: r[7] };
          s.verdict = verdict(s, chunk.metric);
          return s;
        });
      })();
    }
    return cache[chunk.id];
  }
  // correct / wrong / partial by the task's first metric; error when unscored.
  function verdict(s, metric) {
    if (!s.scores || s.scores[metric] === undefined) return s.error ? 'error' : 'unscored';
    const v = s.scores[metric];
    return v >= 1 ? 'correct' : v <= 0 ? 'wrong' : 'partial';
  }
  const runLabel = (id) => '#' + id + ' ' + modelOf[id];

  const runsWithSamples = [...new Set(data.chunks.map((c) => c.run))];
  for (const id of runsWithSamples) runSel.appendChild(el('option', { value: id }, runLabel(id)));
  function fillTasks() {
    taskSel.textContent = '';
    for (const c of data.chunks) if (String(c.run) === runSel.value) taskSel.appendChild(el('option', { value: c.task }, c.task));
    fillOthers();
  }
  function fillOthers() {
    otherSel.textContent = '';
    otherSel.appendChild(el('option', { value: '' }, '(none)'));
    for (const c of data.chunks) {
      if (c.task === taskSel.value && String(c.run) !== runSel.value) otherSel.appendChild(el('option', { value: c.run }, runLabel(c.run)));
    }
  }
  function promptText(req) {
    const parts = (req.messages || []).map((m) =>
      (m.role ? m.role + ': ' : '') + (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
    if (req.continuations) parts.push('continuations: ' + JSON.stringify(req.continuations));
    return parts.join('\n\n');
  }
  function field(dl, name, text, collapsed) {
    dl.appendChild(el('dt', {}, name));
    const dd = el('dd');
    const pre = el('pre', {}, text);
    if (collapsed) {
      const det = el('details');
      det.appendChild(el('summary', {}, text.length + ' characters'));
      det.appendChild(pre);
      dd.appendChild(det);
    } else {
      dd.appendChild(pre);
    }
    dl.appendChild(dd);
  }
  function card(s, flip) {
    const div = el('div', { class: 'sample', 'data-verdict': s.verdict });
    const head = el('div', { class: 'head' }, s.id + (s.repeat ? ' (repeat ' + s.repeat + ')' : ''));
    head.appendChild(el('span', { class: 'verdict v-' + s.verdict }, s.verdict));
    if (flip) head.appendChild(el('span', { class: 'verdict v-partial' }, flip));
    div.appendChild(head);
    const dl = el('dl');
    field(dl, 'prompt', promptText(s.request));
    field(dl, 'answer', s.response.text || '');
    if (s.response.reasoning) field(dl, 'reasoning', s.response.reasoning, true);
    const ex = s.extracted ? Object.entries(s.extracted).map(([k, v]) => k + ': ' + (v === null ? '(none found)' : v)).join('\n') : '';
    field(dl, 'extracted answer', ex);
    field(dl, 'reference', s.reference);
    if (s.scores) field(dl, 'scores', Object.entries(s.scores).map(([k, v]) => k + ' = ' + v).join('\n'));
    if (s.error) field(dl, 'error', s.error + (s.response.error_message ? ': ' + s.response.error_message : ''));
    div.appendChild(dl);
    return div;
  }
  async function render() {
    const chunk = chunkOf[runSel.value + '/' + taskSel.value];
    list.textContent = '';
    if (!chunk) { summary.textContent = 'No samples embedded.'; return; }
    let rows = await load(chunk);
    let flips = null;
    if (otherSel.value) {
      const other = await load(chunkOf[otherSel.value + '/' + taskSel.value]);
      const before = {};
      for (const s of other) before[s.id + '#' + s.repeat] = s.verdict;
      flips = new Map();
      rows = rows.filter((s) => {
        const b = before[s.id + '#' + s.repeat];
        const flipped = (b === 'correct' && s.verdict === 'wrong') || (b === 'wrong' && s.verdict === 'correct');
        if (flipped) flips.set(s, runLabel(otherSel.value) + ': ' + b + ' \u2192 ' + s.verdict);
        return flipped;
      });
    }
    if (verdictSel.value) rows = rows.filter((s) => s.verdict === verdictSel.value);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    $('sb-page').textContent = 'page ' + (page + 1) + ' of ' + pages;
    summary.textContent = rows.length + ' samples shown' + (flips ? ' (flipped)' : '') + ' of ' + chunk.samples;
    list.dataset.count = String(rows.length);
    for (const s of rows.slice(page * PAGE, page * PAGE + PAGE)) list.appendChild(card(s, flips && flips.get(s)));
  }
  const rerender = () => { page = 0; return render(); };
  runSel.addEventListener('change', () => { fillTasks(); rerender(); });
  taskSel.addEventListener('change', () => { fillOthers(); rerender(); });
  verdictSel.addEventListener('change', rerender);
  otherSel.addEventListener('change', rerender);
  $('sb-prev').addEventListener('click', () => { if (page > 0) { page--; render(); } });
  $('sb-next').addEventListener('click', () => { page++; render(); });

  // For tests and scripts: the browser's state and a way to drive it.
  window.ysReport = {
    charts, sortBoard, render,
    select(run, task, verdictValue, other) {
      runSel.value = String(run); fillTasks();
      taskSel.value = task; fillOthers();
      verdictSel.value = verdictValue || ''; otherSel.value = other ? String(other) : '';
      return rerender();
    },
  };
  const first = runsWithSamples.length ? (fillTasks(), rerender()) : Promise.resolve();
  first.catch((e) => { summary.textContent = 'Cannot read the samples: ' + e; })
    .finally(() => {
      document.body.dataset.readyMs = String(Math.round(performance.now()));
      document.body.dataset.ready = '1';
    });
})();
