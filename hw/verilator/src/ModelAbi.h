// The C ABI between the RTL harness and a Verilated npu_top model built as a shared library (ModelShim.cpp):
// plain structs and extern "C" functions, so the harness loads models of any config with dlopen.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever a struct or function below changes; the harness refuses a model with another version.
#define NPU_RTL_ABI_VERSION 5
#define NPU_RTL_CLIENTS 3 /* DRAM clients: load unit, compute unit, store unit */
#define NPU_RTL_LANES 4   /* event lanes: load, compute (GEMM pipe), ALU pipe, store */

/* What a model library dumps (build-model.sh --trace): nothing, VCD or FST. */
#define NPU_RTL_TRACE_NONE 0
#define NPU_RTL_TRACE_VCD 1
#define NPU_RTL_TRACE_FST 2

/* The performance counters of npu_top (hw/rtl/npu_perf_counters.sv, docs/rtl.md), 64 bits each, read one at
   a time: perf_o is counter perf_sel_i. Units: 0 fetch, 1 load, 2 compute, 3 store; clients: 0 load,
   1 compute, 2 store unit. */
#define NPU_RTL_PERF_CYCLES 0      /* cycles of the run */
#define NPU_RTL_PERF_BUSY 1        /* + unit: busy */
#define NPU_RTL_PERF_STALL_TOKEN 5 /* + unit: head waits for tokens (fetch: for command-queue room) */
#define NPU_RTL_PERF_STALL_DRAM 9  /* + unit: LOAD/STORE waits for DRAM (X - I - bursts x Cb) */
#define NPU_RTL_PERF_IDLE 13       /* + unit: idle */
#define NPU_RTL_PERF_BYTES_READ 17 /* + buffer (isa::MemType uop, inp, wgt, acc): DRAM data bytes read */
#define NPU_RTL_PERF_BYTES_WRITTEN_ACC 21 /* DRAM data bytes written by STOREs from acc */
#define NPU_RTL_PERF_BYTES_WRITTEN_OUT 22 /* ... from out */
#define NPU_RTL_PERF_BURSTS 23            /* + client: bursts granted */
#define NPU_RTL_PERF_TRANSFERS 26         /* + client: transfers issued */
#define NPU_RTL_PERF_GEMM_UOPS 29         /* GEMM micro-ops (reset ones included) */
#define NPU_RTL_PERF_MACS 30              /* non-reset GEMM micro-ops x batch x block_in x block_out */
#define NPU_RTL_PERF_ALU_UOPS 31          /* ALU micro-ops */
#define NPU_RTL_PERF_GEMM_BUSY 32         /* cycles a GEMM instruction was in [S, E) */
#define NPU_RTL_PERF_ALU_BUSY 33          /* cycles an ALU instruction was in [S, E) */
#define NPU_RTL_PERF_BYTES_READ_LUT 34    /* DRAM data bytes read into the lookup table (isa::MemType lut) */
#define NPU_RTL_PERF_COUNT 35

/* err_field_o of npu_top: the micro-op field out of bounds. */
#define NPU_RTL_FIELD_DST 0
#define NPU_RTL_FIELD_SRC 1
#define NPU_RTL_FIELD_WGT 2

/// What the model was built from. Port widths are in bits; wide values travel as little-endian arrays of
/// 32-bit words (bit i of a value is bit i % 32 of word i / 32).
typedef struct NpuRtlInfo {
  uint32_t AbiVersion;
  const char *ConfigName;
  const char *ConfigHash; /* full SHA-256 hex of the config the package was generated from */
  uint32_t InsnBits;      /* imem_rdata_i */
  uint32_t BurstBytes;    /* one client's dram_req_wdata_o / dram_rsp_rdata_i: BurstBytes * 8 bits */
  uint32_t AddrBits;      /* one client's dram_req_addr_o */
  uint32_t IdxBits;       /* one lane's ev_*_idx_o */
  uint32_t PerfCounters;  /* NPU_RTL_PERF_COUNT */
  uint32_t Trace;         /* NPU_RTL_TRACE_*: the waveform npu_rtl_trace_open writes */
} NpuRtlInfo;

/// Output ports of one cycle, except the DRAM write data (npu_rtl_write_data reads it on a grant).
typedef struct NpuRtlOutputs {
  uint8_t Done;
  uint64_t Cycle;
  uint8_t ImemReq;
  uint32_t ImemAddr;
  uint8_t ReqValid[NPU_RTL_CLIENTS], ReqFirst[NPU_RTL_CLIENTS], ReqWrite[NPU_RTL_CLIENTS];
  uint64_t ReqAddr[NPU_RTL_CLIENTS];
  uint8_t EvDispatch;
  uint64_t EvDispatchIdx;
  uint8_t EvStart[NPU_RTL_LANES], EvEnd[NPU_RTL_LANES];
  uint64_t EvStartIdx[NPU_RTL_LANES], EvEndIdx[NPU_RTL_LANES];
  uint8_t FootprintWait; /* fp_wait_o where the top has it (a debug port beyond docs/rtl.md), else 0 */
  /* err_o: a GEMM/ALU micro-op index is out of bounds (the run's first, held): instruction ErrIdx,
     micro-op ErrUop, field ErrField (NPU_RTL_FIELD_*) of value ErrBase reaches row ErrRow at loop
     indices ErrI, ErrJ. */
  uint8_t Err;
  uint8_t ErrField;
  uint64_t ErrIdx;
  uint32_t ErrUop, ErrBase, ErrRow, ErrI, ErrJ;
} NpuRtlOutputs;

typedef struct NpuRtlModel NpuRtlModel;

/* The model library is built with hidden visibility (each carries its own Verilator runtime); only these are
   exported. */
#define NPU_RTL_EXPORT __attribute__((visibility("default")))

NPU_RTL_EXPORT const NpuRtlInfo *npu_rtl_info(void);
/// A fresh model: every flop and memory zero, clock low, reset asserted.
NPU_RTL_EXPORT NpuRtlModel *npu_rtl_create(void);
NPU_RTL_EXPORT void npu_rtl_destroy(NpuRtlModel *M);
/// Sets the inputs that do not depend on this cycle's outputs (start, instruction count, the instruction
/// word), deasserts every DRAM ready, and settles the combinational logic. rst_ni follows Reset.
NPU_RTL_EXPORT void npu_rtl_set_inputs(NpuRtlModel *M, uint8_t Reset, uint8_t Start, uint32_t InsnCount,
                                       const uint32_t *ImemRdata);
/// Reads the output ports (after npu_rtl_set_inputs or npu_rtl_grant).
NPU_RTL_EXPORT void npu_rtl_outputs(const NpuRtlModel *M, NpuRtlOutputs *Out);
/// A write request's BurstBytes bytes of data and their strobes (one byte per strobe bit, 0 or 1).
NPU_RTL_EXPORT void npu_rtl_write_data(const NpuRtlModel *M, unsigned Client, uint8_t *Data,
                                       uint8_t *Strobes);
/// Grants Client's request in this cycle (ready high) with read data ReadData (BurstBytes bytes; ignored for
/// a write) and settles the combinational logic again.
NPU_RTL_EXPORT void npu_rtl_grant(NpuRtlModel *M, unsigned Client, const uint8_t *ReadData);
/// The clock edge that ends the cycle: rising edge, then the clock goes low for the next cycle. With a
/// waveform open, the cycle's settled signals are dumped at time 10n (clock low) and the edge at 10n + 5 (n:
/// clock edges since the dump was opened; time unit 1 ns).
NPU_RTL_EXPORT void npu_rtl_clock(NpuRtlModel *M);
/// Reads the NPU_RTL_PERF_COUNT performance counters into Counters (through perf_sel_i/perf_o; the
/// combinational logic is settled again for each).
NPU_RTL_EXPORT void npu_rtl_perf_counters(NpuRtlModel *M, uint64_t *Counters);
/// Starts dumping every signal into the waveform file Path (the library's Info->Trace format). Returns 0, or
/// 1 when the library was built without tracing, 2 when Path cannot be written, 3 when a dump is already
/// open.
NPU_RTL_EXPORT int npu_rtl_trace_open(NpuRtlModel *M, const char *Path);
/// Flushes and closes the waveform (also done by npu_rtl_destroy); nothing without one.
NPU_RTL_EXPORT void npu_rtl_trace_close(NpuRtlModel *M);

#ifdef __cplusplus
}
#endif
