// Files the HTML report inlines, embedded at build time (reports/CMakeLists.txt).
#pragma once

#include <string_view>

namespace ys {

extern const std::string_view kChartJs;    // Chart.js (Debian's libjs-chart.js), UMD build
extern const std::string_view kReportJs;   // reports/assets/report.js
extern const std::string_view kReportCss;  // reports/assets/report.css

}  // namespace ys
