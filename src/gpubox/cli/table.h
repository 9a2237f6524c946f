#pragma once
/// A plain text table: columns padded to their widest cell, two spaces apart.

#include <iosfwd>
#include <string>
#include <vector>

namespace gpubox {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size() - 1; }  ///< rows, not counting the header
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace gpubox
