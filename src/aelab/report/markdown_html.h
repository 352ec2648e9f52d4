#pragma once
// The Markdown aelab writes (suite-report.md, a study's trials.md) as one HTML page, so a report
// opens in a browser with its pictures and tables laid out: headings (#, ##, ###), paragraphs,
// "- " lists, pipe tables (a header row, a --- row, body rows), and inline `code`, **bold**,
// ![pictures](path) and [links](path). Paths stay as written (relative to the Markdown file, so
// the page goes next to it). Text is HTML-escaped; nothing else of Markdown is understood: this
// renders what aelab itself writes, not Markdown in general.
#include <string>

namespace aelab::report {

// A whole page: <!doctype html>, `title`, a small style sheet, the converted body.
std::string markdown_page(const std::string& markdown, const std::string& title);

// The body only (for tests and embedding).
std::string markdown_to_html(const std::string& markdown);

}  // namespace aelab::report
