// Lint harness: a module that imports the generated ISA package so Verilator elaborates every parameter.
module sv_pkg_lint_top
  import npu_isa_pkg::*;
(
  output logic [INSN_BITS-1:0] insn_o,
  output logic [UOP_BITS-1:0] uop_o
);
  assign insn_o = '0;
  assign uop_o = '0;
endmodule
