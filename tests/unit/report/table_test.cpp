// Tables as text, markdown and CSV, and number formatting.
#include "aelab/report/table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/core/error.h"

namespace aelab::report {
namespace {

Table sample() {
  Table table;
  table.header = {"run", "psnr", "note"};
  table.rows = {{"conv_ae", "28.31", "best"}, {"dense", "7.5", ""}, {"vae, beta=4", "-0.25"}};
  return table;
}

TEST(Table, TextAlignsColumnsAndRightAlignsNumbers) {
  EXPECT_EQ(sample().to_text(),
            "run           psnr  note\n"
            "-----------  -----  ----\n"
            "conv_ae      28.31  best\n"
            "dense          7.5\n"
            "vae, beta=4  -0.25\n");
}

TEST(Table, TextCountsCodePointsAndFlattensNewlines) {
  Table table;
  table.header = {"name", "n"};
  table.rows = {{"\xc3\xa9t\xc3\xa9", "1"}, {"two\nlines", "22"}};
  EXPECT_EQ(table.to_text(),
            "name        n\n"
            "---------  --\n"
            "\xc3\xa9t\xc3\xa9         1\n"
            "two lines  22\n");
}

TEST(Table, MarkdownHasHeaderRuleAndOneLinePerRow) {
  Table table = sample();
  table.rows.push_back({"a|b", "1", "x\ny"});
  const std::string md = table.to_markdown();
  EXPECT_EQ(md,
            "| run | psnr | note |\n"
            "| --- | --- | --- |\n"
            "| conv_ae | 28.31 | best |\n"
            "| dense | 7.5 |  |\n"
            "| vae, beta=4 | -0.25 |  |\n"
            "| a\\|b | 1 | x<br>y |\n");
}

TEST(Table, CsvQuotesCommasQuotesAndNewlines) {
  Table table;
  table.header = {"name", "value"};
  table.rows = {{"plain", "1"},      {"a,b", "2"},     {"say \"hi\"", "3"},
                {"two\nlines", "4"}, {"cr\rhere", ""}, {" spaced ", "5"}};
  EXPECT_EQ(table.to_csv(),
            "name,value\n"
            "plain,1\n"
            "\"a,b\",2\n"
            "\"say \"\"hi\"\"\",3\n"
            "\"two\nlines\",4\n"
            "\"cr\rhere\",\n"
            " spaced ,5\n");
}

TEST(Table, RowWiderThanHeaderIsAnError) {
  Table table;
  table.header = {"a"};
  table.rows = {{"1"}, {"1", "2"}};
  try {
    table.to_csv();
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 has 2 cells"), std::string::npos) << e.what();
  }
}

TEST(Table, HeaderlessTablesStillRender) {
  Table table;
  table.rows = {{"a", "1"}, {"bb", "22"}};
  EXPECT_EQ(table.to_text(), "a    1\nbb  22\n");
  EXPECT_EQ(table.to_csv(), "a,1\nbb,22\n");
  EXPECT_EQ(table.to_markdown(), "|  |  |\n| --- | --- |\n| a | 1 |\n| bb | 22 |\n");
}

TEST(FormatNumber, SignificantDigitsAndNotation) {
  EXPECT_EQ(format_number(0.012341), "0.01234");
  EXPECT_EQ(format_number(1.23456e-05), "1.235e-05");
  EXPECT_EQ(format_number(12.3456), "12.35");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(60000), "60000");
  EXPECT_EQ(format_number(123456.7), "123457");
  EXPECT_EQ(format_number(1234567.0), "1.235e+06");
  EXPECT_EQ(format_number(3e7), "3e+07");
  EXPECT_EQ(format_number(-0.000123456), "-0.0001235");
  EXPECT_EQ(format_number(9.99996), "10");
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(-0.00001), "-1e-05");
  EXPECT_EQ(format_number(NAN), "nan");
  EXPECT_EQ(format_number(INFINITY), "inf");
  EXPECT_EQ(format_number(-INFINITY), "-inf");
  EXPECT_EQ(format_number(3.14159265, 2), "3.1");
  EXPECT_EQ(format_number(0.1 + 0.2, 17), "0.30000000000000004");
  EXPECT_THROW(format_number(1.0, 0), Error);
}

}  // namespace
}  // namespace aelab::report
