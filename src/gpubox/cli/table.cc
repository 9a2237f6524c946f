#include "gpubox/cli/table.h"

#include <algorithm>
#include <ostream>

namespace gpubox {

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t col_idx = 0; col_idx < row.size(); ++col_idx) {
      widths[col_idx] = std::max(widths[col_idx], row[col_idx].size());
    }
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t col_idx = 0; col_idx < row.size(); ++col_idx) {
      line += row[col_idx];
      if (col_idx + 1 < row.size()) line.append(widths[col_idx] - row[col_idx].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

}  // namespace gpubox
