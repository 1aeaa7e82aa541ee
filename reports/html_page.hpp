// The frame shared by 9ml's HTML pages (index.html, diff.html): one
// stylesheet, so both look alike; inline, no scripts, no external assets.
#pragma once

#include <string>
#include <string_view>

namespace nineml::report::detail {

// From <!DOCTYPE html> to the page's <h1> (TITLE is escaped), with the shared
// stylesheet inline.
std::string html_begin(std::string_view title);
// Closes what html_begin() opened.
std::string html_end();

// The banner of a run made with NINEML_FAULT=FAULT set, by a report's
// environment.fault_injection; WHOSE names the report ("" for a page about
// one report).
std::string fault_note(std::string_view fault, std::string_view whose);

}  // namespace nineml::report::detail
