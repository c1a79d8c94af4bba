// One GEMM processing element: the dot product of one input row and one weight row, wrapped to the accumulator.
//
// Combinational; the core registers around it. Lane k of each operand is a two's-complement value of
// InpBits / WgtBits bits at bits [k*Bits +: Bits]. The sum is carried only as wide as it can get (each product
// needs InpBits + WgtBits bits, the sum of BlockIn of them $clog2(BlockIn) more) and at most AccBits: the
// accumulator keeps only the low AccBits of the exact sum, and the low bits of a sum depend only on the low
// bits of its addends, so a narrower adder gives the same result.
// Package values are referenced as npu_isa_pkg::NAME rather than imported in the header: this module is
// synthesized alone for area figures, and Yosys 0.23 does not parse a header import.
module npu_gemm_pe #(
  parameter int unsigned BlockIn = 32'(npu_isa_pkg::CFG_CORE_BLOCK_IN),
  parameter int unsigned InpBits = 32'(npu_isa_pkg::CFG_DTYPES_INPUT_BITS),
  parameter int unsigned WgtBits = 32'(npu_isa_pkg::CFG_DTYPES_WEIGHT_BITS),
  parameter int unsigned AccBits = 32'(npu_isa_pkg::CFG_DTYPES_ACCUMULATOR_BITS)
) (
  input  logic [BlockIn*InpBits-1:0] inp_i,
  input  logic [BlockIn*WgtBits-1:0] wgt_i,
  output logic [AccBits-1:0]         dot_o
);

  localparam int unsigned ProdBits  = InpBits + WgtBits;
  localparam int unsigned ExactBits = ProdBits + ((BlockIn > 1) ? $clog2(BlockIn) : 0);
  localparam int unsigned SumBits   = (ExactBits < AccBits) ? ExactBits : AccBits;

  logic signed [ProdBits-1:0] prod[BlockIn];

  for (genvar k = 0; k < BlockIn; k++) begin : g_mul
    logic signed [InpBits-1:0] a;
    logic signed [WgtBits-1:0] b;
    assign a = inp_i[k*InpBits +: InpBits];
    assign b = wgt_i[k*WgtBits +: WgtBits];
    // Both operands sign-extended to the product width: the full product, no overflow.
    assign prod[k] = ProdBits'(a) * ProdBits'(b);
  end

  logic signed [SumBits-1:0] sum;
  always_comb begin
    sum = '0;
    for (int unsigned k = 0; k < BlockIn; k++) begin
      sum = sum + SumBits'(prod[k]);
    end
  end

  // Sign-extends an exact sum, or is the sum itself when it was already cut to AccBits.
  assign dot_o = AccBits'(sum);

endmodule
