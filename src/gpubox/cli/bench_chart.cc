#include "gpubox/cli/bench_chart.h"

#include <algorithm>

#include "gpubox/util/strings.h"
#include "gpubox/util/xml_escape.h"

namespace gpubox {
namespace {

std::string Num(double value) { return FormatFixed(value, 1); }

constexpr double kLabelWidth = 300, kBarWidth = 260, kGap = 40, kRowHeight = 28, kTop = 60;

/// One panel of bars starting at x, scaled to the largest value.
void Panel(std::string& svg, double x, const std::string& heading,
           const std::vector<std::optional<double>>& values, const std::string& fill,
           int decimals) {
  double most = 0;
  for (const auto& value : values) most = std::max(most, value.value_or(0));
  svg += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop - 12) + "\" font-weight=\"bold\">" +
         XmlEscaped(heading) + "</text>\n";
  for (size_t row = 0; row < values.size(); ++row) {
    double y = kTop + row * kRowHeight;
    if (!values[row]) {
      svg +=
          "<text x=\"" + Num(x) + "\" y=\"" + Num(y + 16) + "\" fill=\"#888\">no result</text>\n";
      continue;
    }
    double width = most > 0 ? kBarWidth * *values[row] / most : 0;
    svg += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y + 4) + "\" width=\"" +
           Num(std::max(width, 1.0)) + "\" height=\"" + Num(kRowHeight - 8) + "\" fill=\"" + fill +
           "\"/>\n";
    svg += "<text x=\"" + Num(x + std::max(width, 1.0) + 4) + "\" y=\"" + Num(y + 18) + "\">" +
           FormatFixed(*values[row], decimals) + "</text>\n";
  }
}

}  // namespace

std::string BenchChartSvg(const std::string& title, const std::vector<ChartRow>& rows) {
  double width = kLabelWidth + 2 * (kBarWidth + 70) + kGap;
  double height = kTop + rows.size() * kRowHeight + 20;
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(width) + "\" height=\"" +
         Num(height) + "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">" + XmlEscaped(title) +
         "</text>\n";
  std::vector<std::optional<double>> rates, costs;
  for (size_t row = 0; row < rows.size(); ++row) {
    svg += "<text x=\"10\" y=\"" + Num(kTop + row * kRowHeight + 18) + "\">" +
           XmlEscaped(rows[row].label) + "</text>\n";
    rates.push_back(rows[row].samples_per_s > 0 ? std::optional<double>(rows[row].samples_per_s)
                                                : std::nullopt);
    costs.push_back(rows[row].usd_per_million_samples);
  }
  Panel(svg, kLabelWidth, "training samples/s (more is better)", rates, "#4a7ebb", 1);
  Panel(svg, kLabelWidth + kBarWidth + 70 + kGap, "$ per million samples (less is better)", costs,
        "#d9822b", 2);
  svg += "</svg>\n";
  return svg;
}

}  // namespace gpubox
