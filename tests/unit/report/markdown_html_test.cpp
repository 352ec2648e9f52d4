// The Markdown aelab writes, as HTML (report/markdown_html.h): headings, paragraphs, lists, pipe
// tables with a header, pictures, links, code spans (with '|' inside a table cell), bold, and
// escaping of everything else.
#include "aelab/report/markdown_html.h"

#include <gtest/gtest.h>

using aelab::report::markdown_page;
using aelab::report::markdown_to_html;

TEST(MarkdownHtml, HeadingsParagraphsAndLists) {
  EXPECT_EQ(markdown_to_html("# Suite x\n\nFirst line\nsecond line.\n\n## 1. loss (train)\n"),
            "<h1>Suite x</h1>\n<p>First line\nsecond line.</p>\n<h2>1. loss (train)</h2>\n");
  EXPECT_EQ(markdown_to_html("- **train**: a table\n- `eval`: another\n\nafter"),
            "<ul>\n<li><strong>train</strong>: a table</li>\n<li><code>eval</code>: another</li>\n"
            "</ul>\n<p>after</p>\n");
  // Not a heading without the space; kept as text.
  EXPECT_EQ(markdown_to_html("#3 is a number"), "<p>#3 is a number</p>\n");
}

TEST(MarkdownHtml, TablesWithHeaderLinksAndCodeCells) {
  const std::string md =
      "| run | value | note |\n"
      "| --- | ---: | --- |\n"
      "| [latent-4](runs/latent-4) | 0.5 | `a|b` |\n"
      "| x | 1 |  |\n";
  EXPECT_EQ(markdown_to_html(md),
            "<table>\n<tr><th>run</th><th>value</th><th>note</th></tr>\n"
            "<tr><td><a href=\"runs/latent-4\">latent-4</a></td><td>0.5</td>"
            "<td><code>a|b</code></td></tr>\n"
            "<tr><td>x</td><td>1</td><td></td></tr>\n</table>\n");
  // A table without a --- row has no header.
  EXPECT_EQ(markdown_to_html("| a | b |\n"), "<table>\n<tr><td>a</td><td>b</td></tr>\n</table>\n");
}

TEST(MarkdownHtml, PicturesInParagraphsAndCells) {
  EXPECT_EQ(markdown_to_html("![validation loss per epoch](figures/latent-val_loss.png)\n"),
            "<p><img src=\"figures/latent-val_loss.png\" alt=\"validation loss per epoch\" "
            "title=\"validation loss per epoch\" loading=\"lazy\"></p>\n");
  EXPECT_NE(markdown_to_html("| a | ![a](runs/a/r.png) |\n").find("<td><img src=\"runs/a/r.png\""),
            std::string::npos);
}

TEST(MarkdownHtml, EscapesTextAndLeavesBrokenSyntaxAsText) {
  EXPECT_EQ(markdown_to_html("a < b & \"c\" > d"), "<p>a &lt; b &amp; &quot;c&quot; &gt; d</p>\n");
  EXPECT_EQ(markdown_to_html("<script>x</script>"), "<p>&lt;script&gt;x&lt;/script&gt;</p>\n");
  EXPECT_EQ(markdown_to_html("[not a link] and ![half"), "<p>[not a link] and ![half</p>\n");
  EXPECT_EQ(markdown_to_html("an `open code span"), "<p>an `open code span</p>\n");
  EXPECT_EQ(markdown_to_html("**unclosed"), "<p><strong>unclosed</strong></p>\n");
  // A link target with a quote cannot break out of the attribute.
  EXPECT_NE(markdown_to_html("[x](a\"onload=b)").find("href=\"a&quot;onload=b\""), std::string::npos);
}

TEST(MarkdownHtml, APageHasTitleStyleAndBody) {
  const std::string page = markdown_page("# T\n", "Suite <x>");
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page.find("<title>Suite &lt;x&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_NE(page.find("<body>\n<h1>T</h1>\n</body>"), std::string::npos);
}
