// One tensor-ALU lane: f(x, B) of one accumulator lane for every ALU operation, wrapped to the accumulator.
//
// Combinational. Semantics of simulator/func/src/Alu.cpp, which computes exactly in 64 bits and keeps the low
// AccBits; here every operation is computed only as wide as its exact result can get:
//   add, mul        the low AccBits of the sum / product (the product is also requant's, so it is full width)
//   max, min, mov   exact
//   shr             B clamped to [-62, 62]; B > 0: (x + 2^(B-1)) >> B; B <= 0: x << -B. A right shift by
//                   B >= AccBits gives 0 (x + 2^(B-1) lies in [0, 2^B) for every AccBits-bit x), a left shift
//                   by -B >= AccBits leaves no low bit set, so the amounts need only $clog2(AccBits + 1) bits
//                   and the clamp never shows.
//   clip            min(max(x, imm), imm2)
//   requant         ((x * B + 2^(shift-1)) >> shift) + imm2, saturated to the OutBits range. |x * B| is at most
//                   2^(2*AccBits-2), so a shift >= 2*AccBits gives 0 and the rest fits 2*AccBits+1 bits.
//   lut             lut_i[clamp(x, -128, 127) + 128], the int8 entry sign-extended. The table is shared by all
//                   lanes (npu_lut); each lane selects its entry with its own LutDepth-to-1 mux, here, so the
//                   lane's area includes it. clamp(x) + 128 is x's low byte with the sign bit flipped.
// B is the source lane or the immediate, AccBits wide (the ISA's immediates are accumulator-wide).
// Package values are referenced as npu_isa_pkg::NAME rather than imported in the header: this module is
// synthesized alone for area figures, and Yosys 0.23 does not parse a header import.
module npu_alu_lane #(
  parameter int unsigned AccBits   = 32'(npu_isa_pkg::CFG_DTYPES_ACCUMULATOR_BITS),
  parameter int unsigned OutBits   = 32'(npu_isa_pkg::CFG_DTYPES_OUTPUT_BITS),
  parameter int unsigned ImmBits   = 32'(npu_isa_pkg::ALU_IMM_WIDTH),
  parameter int unsigned ShiftBits = 32'(npu_isa_pkg::ALU_SHIFT_WIDTH),
  parameter int unsigned LutDepth  = 32'(npu_isa_pkg::LUT_DEPTH),
  localparam int unsigned OpBits   = 32'(npu_isa_pkg::ALU_OP_WIDTH)
) (
  input  logic [OpBits-1:0]    op_i,
  input  logic [AccBits-1:0]   x_i,      // the destination lane
  input  logic [AccBits-1:0]   b_i,      // B: the source lane or the immediate
  input  logic [ImmBits-1:0]   imm_i,    // clip: lower bound
  input  logic [ImmBits-1:0]   imm2_i,   // clip: upper bound; requant: zero point
  input  logic [ShiftBits-1:0] shift_i,  // requant: right shift
  input  logic [LutDepth*8-1:0] lut_i,   // lut: the table, entry e in bits [8e, 8e + 8)
  output logic [AccBits-1:0]   res_o
);

  localparam int unsigned ProdBits = 2 * AccBits;
  localparam int unsigned RqBits   = ProdBits + 2;
  localparam int unsigned CmpBits  = (ImmBits > AccBits) ? ImmBits : AccBits;
  localparam int unsigned ShBits   = $clog2(AccBits + 1);

  localparam logic [OpBits-1:0] OpAdd     = OpBits'(npu_isa_pkg::ALU_ADD);
  localparam logic [OpBits-1:0] OpMul     = OpBits'(npu_isa_pkg::ALU_MUL);
  localparam logic [OpBits-1:0] OpMax     = OpBits'(npu_isa_pkg::ALU_MAX);
  localparam logic [OpBits-1:0] OpMin     = OpBits'(npu_isa_pkg::ALU_MIN);
  localparam logic [OpBits-1:0] OpShr     = OpBits'(npu_isa_pkg::ALU_SHR);
  localparam logic [OpBits-1:0] OpClip    = OpBits'(npu_isa_pkg::ALU_CLIP);
  localparam logic [OpBits-1:0] OpMov     = OpBits'(npu_isa_pkg::ALU_MOV);
  localparam logic [OpBits-1:0] OpRequant = OpBits'(npu_isa_pkg::ALU_REQUANT);
  localparam logic [OpBits-1:0] OpLut     = OpBits'(npu_isa_pkg::ALU_LUT);

  localparam logic [AccBits-1:0]         AccBitsV  = AccBits'(AccBits);
  localparam logic [ShiftBits:0]         ProdBitsV = (ShiftBits + 1)'(ProdBits);
  localparam logic signed [OutBits-1:0]  OutMax    = {1'b0, {(OutBits - 1){1'b1}}};
  localparam logic signed [OutBits-1:0]  OutMin    = {1'b1, {(OutBits - 1){1'b0}}};

  logic signed [AccBits-1:0] x, b;
  assign x = x_i;
  assign b = b_i;

  // mul and requant: one full-width product.
  logic signed [ProdBits-1:0] prod;
  assign prod = ProdBits'(x) * ProdBits'(b);

  // clip
  logic signed [CmpBits-1:0] clip_x, clip_lo, clip_hi, clip_max, clip_res;
  assign clip_x   = CmpBits'(x);
  assign clip_lo  = CmpBits'($signed(imm_i));
  assign clip_hi  = CmpBits'($signed(imm2_i));
  assign clip_max = (clip_x < clip_lo) ? clip_lo : clip_x;
  assign clip_res = (clip_max > clip_hi) ? clip_hi : clip_max;

  // shr and requant: computed in their case branches only (the simulator then evaluates the wide requant
  // arithmetic only for a requant); the hardware is the same.
  logic                      b_pos;
  logic [AccBits-1:0]        b_neg;     // -B, the left shift, when B <= 0
  logic [ShBits-1:0]         rsh, lsh;
  assign b_pos   = !b[AccBits-1] && (b != '0);
  assign b_neg   = -b;
  assign rsh     = ShBits'(b);
  assign lsh     = ShBits'(b_neg);

  logic signed [AccBits:0]   rnd;       // x + 2^(B-1), one bit wider than x
  logic signed [ProdBits:0]  rq_rnd;    // x * B + 2^(shift-1)
  logic signed [ProdBits:0]  rq_shifted;
  logic signed [RqBits-1:0]  rq_sum;
  logic                      rq_fits;
  logic signed [OutBits-1:0] rq_res;

  // lut: the table index of clamp(x, -128, 127), compared at least 9 bits wide so that the bounds are
  // representable whatever AccBits.
  localparam int unsigned LutCmpBits = (AccBits > 9) ? AccBits : 9;
  localparam logic signed [LutCmpBits-1:0] LutMin = -LutCmpBits'(128);
  localparam logic signed [LutCmpBits-1:0] LutMax = LutCmpBits'(127);
  logic signed [LutCmpBits-1:0] lut_x;
  logic [7:0]                   lut_idx;
  logic signed [7:0]            lut_entry;
  assign lut_x = LutCmpBits'(x);

  always_comb begin
    rnd        = '0;
    rq_rnd     = '0;
    rq_shifted = '0;
    rq_sum     = '0;
    rq_fits    = 1'b0;
    rq_res     = '0;
    lut_idx    = '0;
    lut_entry  = '0;
    unique case (op_i)
      OpAdd:     res_o = x_i + b_i;
      OpMul:     res_o = prod[AccBits-1:0];
      OpMax:     res_o = (x < b) ? b_i : x_i;
      OpMin:     res_o = (b < x) ? b_i : x_i;
      OpShr: begin
        if (b_pos) begin
          rnd   = (AccBits + 1)'(x) + ((AccBits + 1)'(1) << (rsh - ShBits'(1)));
          res_o = (b >= AccBitsV) ? '0 : AccBits'(rnd >>> rsh);
        end else begin
          // b_neg of the most negative B is itself, 2^(AccBits-1) >= AccBits: also a shift out of range.
          res_o = (b_neg >= AccBitsV) ? '0 : (x_i << lsh);
        end
      end
      OpClip:    res_o = AccBits'(clip_res);
      OpMov:     res_o = b_i;
      OpRequant: begin
        rq_rnd = (ProdBits + 1)'(prod) + ((ProdBits + 1)'(1) << (shift_i - ShiftBits'(1)));
        if ({1'b0, shift_i} >= ProdBitsV) begin
          rq_shifted = '0;
        end else if (shift_i == '0) begin
          // Not a legal requant (shift is 1..62); no rounding term then.
          rq_shifted = (ProdBits + 1)'(prod);
        end else begin
          rq_shifted = rq_rnd >>> shift_i;
        end
        rq_sum = RqBits'(rq_shifted) + RqBits'($signed(imm2_i));
        // rq_sum fits OutBits when its bits from OutBits-1 up are all equal; otherwise its sign says which
        // bound.
        rq_fits = (rq_sum[RqBits-1:OutBits-1] == '0) || (rq_sum[RqBits-1:OutBits-1] == '1);
        rq_res  = rq_fits ? rq_sum[OutBits-1:0] : rq_sum[RqBits-1] ? OutMin : OutMax;
        res_o   = AccBits'(rq_res);
      end
      OpLut: begin
        if (lut_x < LutMin)      lut_idx = 8'd0;
        else if (lut_x > LutMax) lut_idx = 8'd255;
        else                     lut_idx = {~x_i[7], x_i[6:0]};
        lut_entry = lut_i[32'(lut_idx)*8 +: 8];
        res_o     = AccBits'(lut_entry);
      end
      default:   res_o = x_i;
    endcase
  end

endmodule
