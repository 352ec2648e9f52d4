#include "aelab/report/markdown_html.h"

#include <sstream>
#include <vector>

namespace aelab::report {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// `[text](target)` starting at text[i] == '[': sets label and target and returns the index after
// ')', or npos when it is not one.
size_t bracket_link(const std::string& text, size_t i, std::string& label, std::string& target) {
  const size_t close = text.find("](", i);
  if (close == std::string::npos) return std::string::npos;
  const size_t end = text.find(')', close + 2);
  if (end == std::string::npos) return std::string::npos;
  label = text.substr(i + 1, close - i - 1);
  target = text.substr(close + 2, end - close - 2);
  if (label.find('\n') != std::string::npos || target.find(' ') != std::string::npos) {
    return std::string::npos;
  }
  return end + 1;
}

// Bold, pictures and links in text without code spans.
std::string plain_inline(const std::string& text) {
  std::string out;
  bool bold = false;
  for (size_t i = 0; i < text.size();) {
    std::string label, target;
    if (text.compare(i, 2, "**") == 0) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
    } else if (text.compare(i, 2, "![") == 0) {
      const size_t next = bracket_link(text, i + 1, label, target);
      if (next == std::string::npos) {
        out += escape(text.substr(i, 1));
        ++i;
        continue;
      }
      out += "<img src=\"" + escape(target) + "\" alt=\"" + escape(label) + "\" title=\"" +
             escape(label) + "\" loading=\"lazy\">";
      i = next;
    } else if (text[i] == '[') {
      const size_t next = bracket_link(text, i, label, target);
      if (next == std::string::npos) {
        out += "[";
        ++i;
        continue;
      }
      out += "<a href=\"" + escape(target) + "\">" + plain_inline(label) + "</a>";
      i = next;
    } else {
      out += escape(text.substr(i, 1));
      ++i;
    }
  }
  if (bold) out += "</strong>";
  return out;
}

std::string inline_html(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('`', i);
    if (open == std::string::npos) break;
    const size_t close = text.find('`', open + 1);
    if (close == std::string::npos) break;
    out += plain_inline(text.substr(i, open - i));
    out += "<code>" + escape(text.substr(open + 1, close - open - 1)) + "</code>";
    i = close + 1;
  }
  return out + plain_inline(text.substr(i));
}

// "| a | b |" -> {"a", "b"} (a '|' inside a code span does not split).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool code = false;
  size_t begin = line.find('|') + 1;
  size_t end = line.find_last_of('|');
  if (end == std::string::npos || end < begin) end = line.size();
  for (size_t i = begin; i < end; ++i) {
    if (line[i] == '`') code = !code;
    if (line[i] == '|' && !code) {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  out.push_back(cell);
  for (auto& c : out) {
    const size_t a = c.find_first_not_of(' '), b = c.find_last_not_of(' ');
    c = a == std::string::npos ? "" : c.substr(a, b - a + 1);
  }
  return out;
}

bool separator_row(const std::string& line) {
  for (const auto& c : cells(line)) {
    if (c.empty() || c.find_first_not_of("-: ") != std::string::npos) return false;
  }
  return true;
}

}  // namespace

std::string markdown_to_html(const std::string& markdown) {
  std::vector<std::string> lines;
  {
    std::istringstream in(markdown);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  std::ostringstream html;
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) html << "<p>" << inline_html(paragraph) << "</p>\n";
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) {
      flush();
    } else if (line[0] == '#') {
      flush();
      size_t level = line.find_first_not_of('#');
      if (level == std::string::npos || level > 6 || line[level] != ' ') {
        paragraph = line;
        continue;
      }
      html << "<h" << level << ">" << inline_html(line.substr(level + 1)) << "</h" << level
           << ">\n";
    } else if (line[0] == '|') {
      flush();
      std::vector<std::string> rows;
      while (i < lines.size() && !lines[i].empty() && lines[i][0] == '|') rows.push_back(lines[i++]);
      --i;
      const bool header = rows.size() > 1 && separator_row(rows[1]);
      html << "<table>\n";
      for (size_t r = 0; r < rows.size(); ++r) {
        if (header && r == 1) continue;
        const char* tag = header && r == 0 ? "th" : "td";
        html << "<tr>";
        for (const auto& c : cells(rows[r])) html << "<" << tag << ">" << inline_html(c) << "</" << tag << ">";
        html << "</tr>\n";
      }
      html << "</table>\n";
    } else if (line.rfind("- ", 0) == 0) {
      flush();
      html << "<ul>\n";
      while (i < lines.size() && lines[i].rfind("- ", 0) == 0) {
        html << "<li>" << inline_html(lines[i].substr(2)) << "</li>\n";
        ++i;
      }
      --i;
      html << "</ul>\n";
    } else {
      paragraph += (paragraph.empty() ? "" : "\n") + line;
    }
  }
  flush();
  return html.str();
}

std::string markdown_page(const std::string& markdown, const std::string& title) {
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         escape(title) +
         "</title>\n<style>\n"
         "body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 75em; "
         "padding: 0 1em; color: #222; }\n"
         "table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; display: block; "
         "overflow-x: auto; }\n"
         "th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; "
         "vertical-align: top; }\n"
         "th { background: #f3f3f3; }\n"
         "img { max-width: 100%; }\n"
         "td img { max-width: 40em; }\n"
         "code { background: #f3f3f3; padding: 0 0.2em; }\n"
         "</style>\n</head>\n<body>\n" +
         markdown_to_html(markdown) + "</body>\n</html>\n";
}

}  // namespace aelab::report
