#include "gpubox/catalog/gpu_peaks.h"

#include <cstdlib>

#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kBuiltinGpuPeaksText[];  // generated from data/gpu_peaks.tsv

std::optional<double> GpuPeaks::TflopsOf(std::string_view precision) const {
  if (precision == "fp32") return fp32_tflops;
  if (precision == "tf32") return tf32_tflops;
  if (precision == "fp16") return fp16_tflops;
  if (precision == "bf16") return bf16_tflops;
  return std::nullopt;
}

Result<GpuPeakTable> GpuPeakTable::Parse(std::string_view text) {
  GpuPeakTable table;
  int line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    if (Trim(line).empty() || line.front() == '#') continue;
    std::vector<std::string_view> cells = Split(line, '\t');
    if (cells.size() != 8) {
      return Fail(ErrorCode::kInternal,
                  "gpu peaks line " + std::to_string(line_no) + ": expected 8 tab-separated cells");
    }
    GpuPeaks row;
    row.model = std::string(Trim(cells[0]));
    std::optional<double>* figures[] = {&row.fp32_tflops, &row.tf32_tflops, &row.fp16_tflops,
                                        &row.bf16_tflops, &row.memory_gbps, &row.pcie_gbps};
    for (size_t idx = 0; idx < 6; ++idx) {
      std::string_view cell = Trim(cells[idx + 1]);
      if (cell == "-") continue;
      std::optional<double> value = ParseDouble(cell);
      if (!value || *value <= 0) {
        return Fail(ErrorCode::kInternal, "gpu peaks line " + std::to_string(line_no) +
                                              ": bad figure '" + std::string(cell) + "'");
      }
      *figures[idx] = value;
    }
    row.source = std::string(Trim(cells[7]));
    table.rows_.push_back(std::move(row));
  }
  return table;
}

const GpuPeakTable& GpuPeakTable::Builtin() {
  static const GpuPeakTable table = [] {
    auto parsed = Parse(kBuiltinGpuPeaksText);
    if (!parsed) std::abort();  // the build checks the data file (gpu_peaks_test)
    return std::move(*parsed);
  }();
  return table;
}

const GpuPeaks* GpuPeakTable::Find(std::string_view model) const {
  for (const GpuPeaks& row : rows_) {
    if (EqualsIgnoreCase(row.model, model)) return &row;
  }
  // A device name: the model as a whole word of it ("Tesla T4" has T4, not T4g).
  std::string name = ToLower(model);
  for (const GpuPeaks& row : rows_) {
    std::string wanted = ToLower(row.model);
    for (size_t at = name.find(wanted); at != std::string::npos; at = name.find(wanted, at + 1)) {
      bool starts = at == 0 || name[at - 1] == ' ' || name[at - 1] == '-';
      size_t end = at + wanted.size();
      bool ends = end == name.size() || name[end] == ' ' || name[end] == '-';
      if (starts && ends) return &row;
    }
  }
  return nullptr;
}

}  // namespace gpubox
