// The C-ABI face of one Verilated npu_top (ModelAbi.h): built into each config's model library by
// build-model.sh, next to the Verilated sources, so the harness needs no config at compile time.
#include "ModelAbi.h"

#include "NpuRtlBuild.h" // generated: config name/hash, trace kind, port widths (NPU_RTL_W_<port>)
#include "Vnpu_top.h"
#include "verilated.h"
#if NPU_RTL_TRACE == NPU_RTL_TRACE_VCD
#include "verilated_vcd_c.h"
#elif NPU_RTL_TRACE == NPU_RTL_TRACE_FST
#include "verilated_fst_c.h"
#endif

#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

namespace {

constexpr unsigned BurstBits = NPU_RTL_BURST_BYTES * 8;
static_assert(NPU_RTL_W_dram_req_wdata_o == NPU_RTL_CLIENTS * BurstBits,
              "dram_req_wdata_o is [2:0][burst*8-1:0]");
static_assert(NPU_RTL_W_dram_rsp_rdata_i == NPU_RTL_CLIENTS * BurstBits,
              "dram_rsp_rdata_i is [2:0][burst*8-1:0]");
static_assert(NPU_RTL_W_dram_req_wstrb_o == NPU_RTL_CLIENTS * NPU_RTL_BURST_BYTES,
              "dram_req_wstrb_o is [2:0][burst-1:0]");
static_assert(NPU_RTL_W_imem_rdata_i == NPU_RTL_INSN_BITS, "imem_rdata_i is [INSN_BITS-1:0]");
static_assert(NPU_RTL_W_dram_req_valid_o == NPU_RTL_CLIENTS && NPU_RTL_W_dram_req_ready_i == NPU_RTL_CLIENTS,
              "one request bit per DRAM client");
static_assert(NPU_RTL_W_ev_start_o == NPU_RTL_LANES && NPU_RTL_W_ev_end_o == NPU_RTL_LANES,
              "four event lanes");
static_assert(NPU_RTL_W_dram_req_addr_o % NPU_RTL_CLIENTS == 0 &&
                  NPU_RTL_W_ev_start_idx_o % NPU_RTL_LANES == 0,
              "per-client and per-lane packed arrays");
constexpr unsigned AddrBits = NPU_RTL_W_dram_req_addr_o / NPU_RTL_CLIENTS;
constexpr unsigned IdxBits = NPU_RTL_W_ev_start_idx_o / NPU_RTL_LANES;
static_assert(AddrBits <= 64 && IdxBits <= 64 && NPU_RTL_W_ev_dispatch_idx_o <= 64, "narrow fields");
static_assert(NPU_RTL_W_perf_o == 64 && (1u << NPU_RTL_W_perf_sel_i) >= NPU_RTL_PERF_COUNT,
              "perf_o is one 64-bit counter, perf_sel_i selects it");

#if NPU_RTL_TRACE == NPU_RTL_TRACE_VCD
using TraceFile = VerilatedVcdC;
#elif NPU_RTL_TRACE == NPU_RTL_TRACE_FST
using TraceFile = VerilatedFstC;
#endif

// Verilator keeps a port of up to 64 bits in an integer and a wider one in a VlWide word array; both are
// little-endian in memory on the hosts we build for, so a byte view serves either.
template <typename T> const uint8_t *bytesOf(const T &V) {
  if constexpr (std::is_integral_v<T>)
    return reinterpret_cast<const uint8_t *>(&V);
  else
    return reinterpret_cast<const uint8_t *>(V.data());
}
template <typename T> uint8_t *bytesOf(T &V) {
  if constexpr (std::is_integral_v<T>)
    return reinterpret_cast<uint8_t *>(&V);
  else
    return reinterpret_cast<uint8_t *>(V.data());
}

/// Bits [Lsb, Lsb + Width) of a port (Width <= 64).
template <typename T> uint64_t field(const T &V, unsigned Lsb, unsigned Width) {
  const uint8_t *B = bytesOf(V);
  if (Lsb % 8 == 0 && Width % 8 == 0) {
    uint64_t R = 0;
    std::memcpy(&R, B + Lsb / 8, Width / 8);
    return R;
  }
  uint64_t R = 0;
  for (unsigned I = 0; I < Width; ++I)
    R |= uint64_t((B[(Lsb + I) / 8] >> ((Lsb + I) % 8)) & 1) << I;
  return R;
}

} // namespace

struct NpuRtlModel {
  VerilatedContext Ctx;
  std::unique_ptr<Vnpu_top> Top;
#if NPU_RTL_TRACE != NPU_RTL_TRACE_NONE
  std::unique_ptr<TraceFile> Trace;
  uint64_t Edges = 0; ///< clock edges since the dump was opened
#endif
  NpuRtlModel() {
    // Memories have no reset in the RTL: a fresh model must start with every bit zero, as the buffers of the
    // functional simulator do (randReset 0: Verilator's initial values are zeros).
    Ctx.randReset(0);
#if NPU_RTL_TRACE != NPU_RTL_TRACE_NONE
    Ctx.traceEverOn(true);
#endif
    Top = std::make_unique<Vnpu_top>(&Ctx, "npu");
    Top->clk_i = 0;
    Top->rst_ni = 0;
  }
  ~NpuRtlModel() {
    Top->final();
    closeTrace();
  }
  void closeTrace() {
#if NPU_RTL_TRACE != NPU_RTL_TRACE_NONE
    if (Trace)
      Trace->close();
    Trace.reset();
#endif
  }
};

extern "C" {

const NpuRtlInfo *npu_rtl_info(void) {
  static const NpuRtlInfo Info = {NPU_RTL_ABI_VERSION,
                                  NPU_RTL_CONFIG_NAME,
                                  NPU_RTL_CONFIG_HASH,
                                  NPU_RTL_INSN_BITS,
                                  NPU_RTL_BURST_BYTES,
                                  AddrBits,
                                  IdxBits,
                                  NPU_RTL_PERF_COUNT,
                                  NPU_RTL_TRACE};
  return &Info;
}

NpuRtlModel *npu_rtl_create(void) { return new NpuRtlModel; }

void npu_rtl_destroy(NpuRtlModel *M) { delete M; }

void npu_rtl_set_inputs(NpuRtlModel *M, uint8_t Reset, uint8_t Start, uint32_t InsnCount,
                        const uint32_t *ImemRdata) {
  Vnpu_top &T = *M->Top;
  T.rst_ni = !Reset;
  T.start_i = Start;
  T.insn_count_i = InsnCount;
  std::memcpy(bytesOf(T.imem_rdata_i), ImemRdata, NPU_RTL_INSN_BITS / 8);
  T.dram_req_ready_i = 0;
  T.eval();
}

void npu_rtl_outputs(const NpuRtlModel *M, NpuRtlOutputs *Out) {
  const Vnpu_top &T = *M->Top;
  Out->Done = T.done_o;
  Out->Cycle = T.cycle_o;
  Out->ImemReq = T.imem_req_o;
  Out->ImemAddr = T.imem_addr_o;
  for (unsigned C = 0; C < NPU_RTL_CLIENTS; ++C) {
    Out->ReqValid[C] = (T.dram_req_valid_o >> C) & 1;
    Out->ReqFirst[C] = (T.dram_req_first_o >> C) & 1;
    Out->ReqWrite[C] = (T.dram_req_write_o >> C) & 1;
    Out->ReqAddr[C] = field(T.dram_req_addr_o, C * AddrBits, AddrBits);
  }
  Out->EvDispatch = T.ev_dispatch_o;
  Out->EvDispatchIdx = field(T.ev_dispatch_idx_o, 0, NPU_RTL_W_ev_dispatch_idx_o);
  for (unsigned L = 0; L < NPU_RTL_LANES; ++L) {
    Out->EvStart[L] = (T.ev_start_o >> L) & 1;
    Out->EvEnd[L] = (T.ev_end_o >> L) & 1;
    Out->EvStartIdx[L] = field(T.ev_start_idx_o, L * IdxBits, IdxBits);
    Out->EvEndIdx[L] = field(T.ev_end_idx_o, L * IdxBits, IdxBits);
  }
#ifdef NPU_RTL_W_fp_wait_o
  Out->FootprintWait = T.fp_wait_o;
#else
  Out->FootprintWait = 0;
#endif
  Out->Err = T.err_o;
  Out->ErrField = T.err_field_o;
  Out->ErrIdx = T.err_idx_o;
  Out->ErrUop = T.err_uop_o;
  Out->ErrBase = T.err_base_o;
  Out->ErrRow = T.err_row_o;
  Out->ErrI = T.err_i_o;
  Out->ErrJ = T.err_j_o;
}

void npu_rtl_write_data(const NpuRtlModel *M, unsigned Client, uint8_t *Data, uint8_t *Strobes) {
  const Vnpu_top &T = *M->Top;
  std::memcpy(Data, bytesOf(T.dram_req_wdata_o) + Client * NPU_RTL_BURST_BYTES, NPU_RTL_BURST_BYTES);
  const uint8_t *S = bytesOf(T.dram_req_wstrb_o);
  for (unsigned K = 0; K < NPU_RTL_BURST_BYTES; ++K) {
    const unsigned Bit = Client * NPU_RTL_BURST_BYTES + K;
    Strobes[K] = (S[Bit / 8] >> (Bit % 8)) & 1;
  }
}

void npu_rtl_grant(NpuRtlModel *M, unsigned Client, const uint8_t *ReadData) {
  Vnpu_top &T = *M->Top;
  T.dram_req_ready_i = 1u << Client;
  std::memcpy(bytesOf(T.dram_rsp_rdata_i) + Client * NPU_RTL_BURST_BYTES, ReadData, NPU_RTL_BURST_BYTES);
  T.eval();
}

void npu_rtl_clock(NpuRtlModel *M) {
  Vnpu_top &T = *M->Top;
#if NPU_RTL_TRACE != NPU_RTL_TRACE_NONE
  if (M->Trace)
    M->Trace->dump(M->Edges * 10); // the cycle as the harness leaves it (inputs and grants settled)
#endif
  T.clk_i = 1;
  T.eval();
#if NPU_RTL_TRACE != NPU_RTL_TRACE_NONE
  if (M->Trace)
    M->Trace->dump(M->Edges++ * 10 + 5);
#endif
  // The falling edge triggers nothing; the next npu_rtl_set_inputs evaluates it with the new inputs.
  T.clk_i = 0;
}

void npu_rtl_perf_counters(NpuRtlModel *M, uint64_t *Counters) {
  Vnpu_top &T = *M->Top;
  for (unsigned K = 0; K < NPU_RTL_PERF_COUNT; ++K) {
    T.perf_sel_i = K;
    T.eval();
    Counters[K] = T.perf_o;
  }
  T.perf_sel_i = 0;
  T.eval();
}

int npu_rtl_trace_open(NpuRtlModel *M, const char *Path) {
#if NPU_RTL_TRACE == NPU_RTL_TRACE_NONE
  (void)M;
  (void)Path;
  return 1;
#else
  if (M->Trace)
    return 3;
  // Verilator's writers do not report every failure to create the file (FST would crash): try it first.
  if (std::FILE *F = std::fopen(Path, "wb"))
    std::fclose(F);
  else
    return 2;
  M->Trace = std::make_unique<TraceFile>();
  M->Top->trace(M->Trace.get(), 99);
  M->Trace->open(Path);
  if (!M->Trace->isOpen()) {
    M->Trace.reset();
    return 2;
  }
  M->Edges = 0;
  return 0;
#endif
}

void npu_rtl_trace_close(NpuRtlModel *M) { M->closeTrace(); }

} // extern "C"
