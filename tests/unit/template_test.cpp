#include "util/template.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace ys {
namespace {

TEST(Template, FillsFieldsWithOptionalSpaces) {
  nlohmann::json f = {{"q", "2+2?"}, {"n", 4}, {"ok", true}};
  EXPECT_EQ(render_template("Q: {{q}} / {{ n }} / {{ok}}", f), "Q: 2+2? / 4 / true");
}

TEST(Template, KeepsTextWithoutPlaceholdersAndSingleBraces) {
  EXPECT_EQ(render_template("a {b} c", nlohmann::json::object()), "a {b} c");
  EXPECT_EQ(render_template("", nlohmann::json::object()), "");
}

TEST(Template, RepeatedAndAdjacentFields) {
  nlohmann::json f = {{"a", "x"}, {"b", "y"}};
  EXPECT_EQ(render_template("{{a}}{{b}}{{a}}", f), "xyx");
}

TEST(Template, MissingFieldNamesTheField) {
  try {
    render_template("{{question}} {{answer}}", {{"question", "q"}});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'answer'"), std::string::npos) << e.what();
  }
}

TEST(Template, UnclosedAndEmptyPlaceholdersAreErrors) {
  EXPECT_THROW(render_template("x {{q", {{"q", "1"}}), InputError);
  EXPECT_THROW(template_fields("x {{ }}"), InputError);
}

TEST(Template, ListsFieldsInFirstAppearanceOrder) {
  EXPECT_EQ(template_fields("{{b}} {{a}} {{b}}"), (std::vector<std::string>{"b", "a"}));
}

}  // namespace
}  // namespace ys

namespace ys {
namespace {

TEST(Template, ListIndexAndLines) {
  nlohmann::json f = {{"tests", {"assert f(1) == 2", "assert f(2) == 3"}}};
  EXPECT_EQ(render_template("{{tests.1}}", f), "assert f(2) == 3");
  EXPECT_EQ(render_template("{{ tests|lines }}", f), "assert f(1) == 2\nassert f(2) == 3");
  EXPECT_THROW(render_template("{{tests.5}}", f), InputError);
  EXPECT_THROW(render_template("{{tests|upper}}", f), InputError);
  EXPECT_EQ(template_fields("{{tests.0}} {{tests|lines}}"), std::vector<std::string>{"tests"});
  nlohmann::json o = {{"solutions", {{"python", "print(1)"}}}};
  EXPECT_EQ(render_template("{{solutions.python}}", o), "print(1)");
  EXPECT_THROW(render_template("{{solutions.cpp}}", o), InputError);
}

TEST(Template, DeepPathsAndFilters) {
  nlohmann::json f = {{"q", {{"choices", {{{"label", "A"}, {"text", "  red "}}}}}},
                      {"subject", "high_school_biology"}};
  EXPECT_EQ(render_template("{{q.choices.0.label}}", f), "A");
  EXPECT_EQ(render_template("[{{q.choices.0.text|trim}}]", f), "[red]");
  EXPECT_EQ(render_template("about {{subject|spaces}}.", f), "about high school biology.");
  EXPECT_EQ(field_at(f, "q.choices.0").at("text"), "  red ");
  EXPECT_THROW(field_at(f, "q.choices.1"), InputError);
  EXPECT_THROW(field_at(f, "q.options"), InputError);
  EXPECT_THROW(render_template("{{q.}}", f), InputError);
}

}  // namespace
}  // namespace ys
