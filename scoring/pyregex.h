// Python `re` patterns run on Boost.Regex with Python's meaning, so that a ported upstream
// rule (lm-evaluation-harness's filters and regexes_to_ignore) matches what it matches.
#pragma once

#include <boost/regex.hpp>
#include <string>

namespace ys {

// Compiles a Python `re` pattern. Boost's Perl mode differs from Python's defaults, so the
// pattern is rewritten first: '.' matches one UTF-8 code point other than '\n' (any code
// point under the flag s),
// '$' matches at the end or before a final '\n' (before any '\n' under m), '^' only at the
// start (after any '\n' under m), '\Z' is the end of the text, (?P<name>...) and (?P=name)
// are named groups, and a '{' that starts no quantifier is a literal as in Python.
// Global inline flags (?aimsu) are honoured (i: ASCII case folding); x and L are refused.
// Classes \d \w \s and \b are ASCII here (Python's are Unicode on text).
// Throws InputError naming the pattern when it does not compile or uses what is refused.
boost::regex python_regex(const std::string& pattern);

// re.sub(pattern, "", text): `text` with every match of `re` removed.
std::string python_remove(const boost::regex& re, const std::string& text);

}  // namespace ys
