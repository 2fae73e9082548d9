// cudrv: the CUDA driver API for Node, loaded at run time.
//
// libcuda is opened with dlopen("libcuda.so.1") inside init(), never linked, so this addon builds
// and loads on machines without a GPU or a CUDA toolkit; there init() throws
// "no CUDA driver found (<dlerror>)" and every other call throws "CUDA not initialized".
// Every driver call's status is checked and turned into a JS Error naming the call, the error
// (cuGetErrorName, cuGetErrorString) and its arguments; the Error carries `code` (the
// CUDA_ERROR_* name), `cuResult` (its number) and `call`.
//
// No cuda.h is needed: the few driver types and enum values used are declared below (the driver
// API's ABI is stable; values as in CUDA 13's cuda.h).
//
// Handles given to JS are small integers into per-environment tables (allocations, modules,
// functions, events), so a wrong or freed handle is an error and never a wild pointer. Device
// memory is addressed as (allocation id, byte offset) and every range is bounds-checked here.
//
// Work runs on one stream per environment (created by init). Launches are asynchronous;
// synchronize() / synchronizeAsync() wait for them. Copies are synchronous and run on the legacy
// default stream, which waits for the blocking stream's earlier work, so they see every launch
// made before them.
//
// NVRTC (CUDA's run-time compiler) is opened the same way, from the path the caller found
// (backends/cuda/nvrtc.ts): nvrtcCompile() compiles on a worker thread and needs no driver.

#include <napi.h>

#include <dirent.h>
#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// glibc 2.34 moved dlopen and friends from libdl into libc under a new symbol version; linking
// here (glibc 2.36) would make the addon need GLIBC_2.34. The machine that runs it may be older,
// so bind to the versions every x86-64 glibc has.
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
#endif

// GCC >= 11's <vector> calls std::__throw_bad_array_new_length, new in libstdc++ 3.4.29. A local
// definition keeps the addon's needs at GLIBCXX_3.4.21, what Node's own binary needs anyway.
#if defined(__GLIBCXX__)
#include <cstdlib>
namespace std {
void __throw_bad_array_new_length() { std::abort(); }
}  // namespace std
#endif

// ---------------------------------------------------------------------------------------------
// Driver API types and constants (cuda.h)

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;
using CUevent = struct CUevent_st*;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;

// CUdevice_attribute
constexpr int ATTR_MAX_THREADS_PER_BLOCK = 1;
constexpr int ATTR_MAX_BLOCK_DIM_X = 2;  // Y = 3, Z = 4
constexpr int ATTR_MAX_GRID_DIM_X = 5;   // Y = 6, Z = 7
constexpr int ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 8;
constexpr int ATTR_TOTAL_CONSTANT_MEMORY = 9;
constexpr int ATTR_WARP_SIZE = 10;
constexpr int ATTR_MULTIPROCESSOR_COUNT = 16;
constexpr int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

// CUfunction_attribute
constexpr int FUNC_ATTR_MAX_THREADS_PER_BLOCK = 0;
constexpr int FUNC_ATTR_SHARED_SIZE_BYTES = 1;
constexpr int FUNC_ATTR_CONST_SIZE_BYTES = 2;
constexpr int FUNC_ATTR_LOCAL_SIZE_BYTES = 3;
constexpr int FUNC_ATTR_NUM_REGS = 4;
constexpr int FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

// CUjit_option
constexpr int JIT_INFO_LOG_BUFFER = 3;
constexpr int JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int JIT_ERROR_LOG_BUFFER = 5;
constexpr int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

// Dynamic shared memory above this needs an opt-in per function (cuFuncSetAttribute).
constexpr unsigned DEFAULT_DYNAMIC_SHARED_LIMIT = 48 * 1024;

// Every driver function used: (member, exported symbol, parameter list). The versioned symbols
// (_v2) are the ones cuda.h's macros select; the unversioned ones are the 32-bit-size originals.
#define CU_FUNCTIONS(X)                                                                                 \
  X(init, "cuInit", (unsigned flags))                                                                  \
  X(driverGetVersion, "cuDriverGetVersion", (int* version))                                            \
  X(getErrorName, "cuGetErrorName", (CUresult error, const char** str))                                \
  X(getErrorString, "cuGetErrorString", (CUresult error, const char** str))                            \
  X(deviceGetCount, "cuDeviceGetCount", (int* count))                                                  \
  X(deviceGet, "cuDeviceGet", (CUdevice * device, int ordinal))                                        \
  X(deviceGetName, "cuDeviceGetName", (char* name, int len, CUdevice dev))                             \
  X(deviceGetAttribute, "cuDeviceGetAttribute", (int* value, int attrib, CUdevice dev))                \
  X(deviceTotalMem, "cuDeviceTotalMem_v2", (size_t * bytes, CUdevice dev))                             \
  X(devicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", (CUcontext * ctx, CUdevice dev))               \
  X(devicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice dev))                           \
  X(ctxSetCurrent, "cuCtxSetCurrent", (CUcontext ctx))                                                 \
  X(ctxSynchronize, "cuCtxSynchronize", ())                                                            \
  X(memGetInfo, "cuMemGetInfo_v2", (size_t * free, size_t* total))                                     \
  X(moduleLoadData, "cuModuleLoadData", (CUmodule * module, const void* image))                        \
  X(moduleLoadDataEx, "cuModuleLoadDataEx",                                                            \
    (CUmodule * module, const void* image, unsigned numOptions, int* options, void** optionValues))     \
  X(moduleUnload, "cuModuleUnload", (CUmodule module))                                                 \
  X(moduleGetFunction, "cuModuleGetFunction", (CUfunction * fn, CUmodule module, const char* name))    \
  X(funcGetAttribute, "cuFuncGetAttribute", (int* value, int attrib, CUfunction fn))                   \
  X(funcSetAttribute, "cuFuncSetAttribute", (CUfunction fn, int attrib, int value))                    \
  X(memAlloc, "cuMemAlloc_v2", (CUdeviceptr * ptr, size_t bytes))                                      \
  X(memFree, "cuMemFree_v2", (CUdeviceptr ptr))                                                        \
  X(memcpyHtoD, "cuMemcpyHtoD_v2", (CUdeviceptr dst, const void* src, size_t bytes))                   \
  X(memcpyDtoH, "cuMemcpyDtoH_v2", (void* dst, CUdeviceptr src, size_t bytes))                         \
  X(memsetD8, "cuMemsetD8_v2", (CUdeviceptr dst, unsigned char value, size_t count))                   \
  X(launchKernel, "cuLaunchKernel",                                                                    \
    (CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,      \
     unsigned sharedBytes, CUstream stream, void** params, void** extra))                              \
  X(streamCreate, "cuStreamCreate", (CUstream * stream, unsigned flags))                               \
  X(streamDestroy, "cuStreamDestroy_v2", (CUstream stream))                                            \
  X(streamSynchronize, "cuStreamSynchronize", (CUstream stream))                                       \
  X(eventCreate, "cuEventCreate", (CUevent * event, unsigned flags))                                   \
  X(eventDestroy, "cuEventDestroy_v2", (CUevent event))                                                \
  X(eventRecord, "cuEventRecord", (CUevent event, CUstream stream))                                    \
  X(eventSynchronize, "cuEventSynchronize", (CUevent event))                                           \
  X(eventElapsedTime, "cuEventElapsedTime", (float* ms, CUevent start, CUevent end))

struct Driver {
#define CU_MEMBER(member, symbol, params) CUresult(*member) params = nullptr;
  CU_FUNCTIONS(CU_MEMBER)
#undef CU_MEMBER
};

static const char* const kSymbols[] = {
#define CU_SYMBOL(member, symbol, params) symbol,
    CU_FUNCTIONS(CU_SYMBOL)
#undef CU_SYMBOL
};

// ---------------------------------------------------------------------------------------------
// Per-environment state (each Node environment, main thread or worker, has its own)

struct Allocation {
  CUdeviceptr ptr;
  size_t bytes;
};

struct Function {
  CUfunction fn;
  uint32_t module;
  std::string name;
  unsigned dynamicSharedOptIn;  // bytes of dynamic shared memory opted in so far
};

struct State {
  void* lib = nullptr;
  std::string libName;  // what lib was opened as
  Driver d;
  bool ready = false;
  int ordinal = -1;
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  uint32_t nextId = 1;
  std::unordered_map<uint32_t, Allocation> allocs;
  std::unordered_map<uint32_t, CUmodule> modules;
  std::unordered_map<uint32_t, Function> functions;
  std::unordered_map<uint32_t, CUevent> events;
  Napi::ObjectReference info;
  unsigned pendingSyncs = 0;  // synchronizeAsync() calls not yet finished
  ~State();
};

// Releases everything, ignoring errors (the driver may already be shutting down at exit).
static void teardown(State* s) {
  if (s->ready) {
    s->d.ctxSetCurrent(s->ctx);
    s->d.ctxSynchronize();
    for (auto& [id, e] : s->events) s->d.eventDestroy(e);
    for (auto& [id, a] : s->allocs) s->d.memFree(a.ptr);
    for (auto& [id, m] : s->modules) s->d.moduleUnload(m);
    if (s->stream) s->d.streamDestroy(s->stream);
    s->d.devicePrimaryCtxRelease(s->dev);
  }
  s->events.clear();
  s->allocs.clear();
  s->functions.clear();
  s->modules.clear();
  s->ready = false;
  s->stream = nullptr;
  s->ctx = nullptr;
  // libcuda stays mapped once it worked: unloading it under live driver threads is unsafe.
}

// The environment deletes its State when it ends (a worker thread, or the process).
State::~State() { teardown(this); }

static State* state(Napi::Env env) {
  State* s = env.GetInstanceData<State>();
  if (!s) {
    s = new State();
    env.SetInstanceData<State>(s);  // deleted (after the finalizer below) when the env ends
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Errors

static Napi::Value throwError(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

static Napi::Value throwTypeError(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

static std::string errorName(const Driver& d, CUresult r) {
  const char* s = nullptr;
  if (d.getErrorName && d.getErrorName(r, &s) == CUDA_SUCCESS && s) return s;
  return "CUDA_ERROR_" + std::to_string(r);
}

static std::string errorText(const Driver& d, CUresult r) {
  const char* s = nullptr;
  if (d.getErrorString && d.getErrorString(r, &s) == CUDA_SUCCESS && s) return s;
  return "unknown error";
}

static Napi::Error cudaError(Napi::Env env, const Driver& d, CUresult r, const std::string& call) {
  std::string name = errorName(d, r);
  Napi::Error e = Napi::Error::New(env, call + " failed: " + name + " (" + std::to_string(r) + "): " + errorText(d, r));
  e.Set("code", Napi::String::New(env, name));
  e.Set("cuResult", Napi::Number::New(env, r));
  e.Set("call", Napi::String::New(env, call));
  return e;
}

static Napi::Value throwCuda(Napi::Env env, const Driver& d, CUresult r, const std::string& call) {
  cudaError(env, d, r, call).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Checks a driver call; on failure throws and returns undefined from the enclosing function.
#define CK(env, s, call, what)                             \
  do {                                                     \
    CUresult r_ = (call);                                  \
    if (r_ != CUDA_SUCCESS) return throwCuda(env, (s)->d, r_, what); \
  } while (0)

// The state when init() has succeeded; else throws and returns null.
static State* ready(Napi::Env env) {
  State* s = state(env);
  if (!s->ready) {
    throwError(env, "CUDA not initialized (call init() first)");
    return nullptr;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Arguments

static std::string argName(size_t i, const char* name) {
  return "argument " + std::to_string(i + 1) + " (" + name + ")";
}

// A non-negative integer no larger than max; false (and a thrown TypeError) otherwise.
static bool argUint(const Napi::CallbackInfo& info, size_t i, const char* name, double max, uint64_t* out) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsNumber()) {
    throwTypeError(env, argName(i, name) + " must be a number");
    return false;
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > max || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throwTypeError(env, argName(i, name) + " must be an integer in [0, " + std::to_string(static_cast<uint64_t>(max)) + "], got " +
                            info[i].ToString().Utf8Value());
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

constexpr double MAX_SAFE = 9007199254740991.0;  // 2^53 - 1
constexpr double MAX_U32 = 4294967295.0;

// Bytes of an ArrayBuffer, a typed array, a Buffer or a DataView.
static bool argBytes(const Napi::CallbackInfo& info, size_t i, const char* name, const uint8_t** data, size_t* len) {
  Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
  if (v.IsArrayBuffer()) {
    auto ab = v.As<Napi::ArrayBuffer>();
    *data = static_cast<const uint8_t*>(ab.Data());
    *len = ab.ByteLength();
    return true;
  }
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    *data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    *len = ta.ByteLength();
    return true;
  }
  if (v.IsDataView()) {
    auto dv = v.As<Napi::DataView>();
    *data = static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    *len = dv.ByteLength();
    return true;
  }
  throwTypeError(info.Env(), argName(i, name) + " must be an ArrayBuffer, a typed array or a DataView");
  return false;
}

// The allocation `id` and a checked byte range [offset, offset + bytes) inside it.
static const Allocation* range(Napi::Env env, State* s, uint64_t id, uint64_t offset, uint64_t bytes, const char* what) {
  auto it = s->allocs.find(static_cast<uint32_t>(id));
  if (id > UINT32_MAX || it == s->allocs.end()) {
    throwError(env, std::string(what) + ": no allocation " + std::to_string(id) + " (freed, or never allocated)");
    return nullptr;
  }
  if (offset > it->second.bytes || bytes > it->second.bytes - offset) {
    throwError(env, std::string(what) + ": " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                        " overrun allocation " + std::to_string(id) + " of " + std::to_string(it->second.bytes) + " bytes");
    return nullptr;
  }
  return &it->second;
}

// ---------------------------------------------------------------------------------------------
// init

static int attribute(State* s, int attr) {
  int v = 0;
  if (s->d.deviceGetAttribute(&v, attr, s->dev) != CUDA_SUCCESS) return -1;
  return v;
}

// Opens libcuda and resolves every symbol; false (and a thrown Error) on failure.
static bool loadDriver(Napi::Env env, State* s, const std::string& library) {
  if (s->lib) {
    if (library == s->libName) return true;
    throwError(env, "the CUDA driver " + s->libName + " is already loaded in this thread; cannot switch to " + library);
    return false;
  }
  dlerror();
  void* h = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    throwError(env, "no CUDA driver found (" + std::string(why ? why : library + ": dlopen failed") + ")");
    return false;
  }
  Driver d;
  std::vector<std::string> missing;
#define CU_LOAD(member, symbol, params)                                        \
  d.member = reinterpret_cast<decltype(d.member)>(dlsym(h, symbol));           \
  if (!d.member) missing.push_back(symbol);
  CU_FUNCTIONS(CU_LOAD)
#undef CU_LOAD
  if (!missing.empty()) {
    dlclose(h);
    std::string list;
    for (auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throwError(env, "the CUDA driver in " + library + " is too old or incomplete: missing " + list);
    return false;
  }
  s->lib = h;
  s->libName = library;
  s->d = d;
  return true;
}

static void unloadDriver(State* s) {
  if (s->lib) dlclose(s->lib);
  s->lib = nullptr;
  s->libName.clear();
  s->d = Driver();
}

// init(ordinal = 0, library = "libcuda.so.1") -> device info. Opens the driver, initializes it,
// makes the device's primary context current and creates the stream all work runs on.
static Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = state(env);
  uint64_t ordinal = 0;
  if (info.Length() > 0 && !info[0].IsUndefined() && !argUint(info, 0, "ordinal", 1024, &ordinal)) return env.Undefined();
  std::string library = "libcuda.so.1";
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsString()) return throwTypeError(env, argName(1, "library") + " must be a string");
    library = info[1].As<Napi::String>().Utf8Value();
  }
  if (s->ready) {
    if (static_cast<int>(ordinal) != s->ordinal) {
      return throwError(env, "CUDA is already initialized on device " + std::to_string(s->ordinal) + " in this thread");
    }
    return s->info.Value();
  }
  bool fresh = s->lib == nullptr;
  if (!loadDriver(env, s, library)) return env.Undefined();
  // On any failure below, forget a driver this call opened so that a later init() starts over.
  auto fail = [&](CUresult r, const std::string& call) -> Napi::Value {
    Napi::Error e = cudaError(env, s->d, r, call);
    if (r == CUDA_ERROR_NO_DEVICE) e.Set("message", Napi::String::New(env, "no CUDA device found: " + e.Message()));
    teardown(s);
    if (fresh) unloadDriver(s);
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  };
  CUresult r;
  if ((r = s->d.init(0)) != CUDA_SUCCESS) return fail(r, "cuInit");
  int count = 0;
  if ((r = s->d.deviceGetCount(&count)) != CUDA_SUCCESS) return fail(r, "cuDeviceGetCount");
  if (static_cast<int>(ordinal) >= count) {
    if (fresh) unloadDriver(s);
    return throwError(env, "no CUDA device " + std::to_string(ordinal) + " (the driver sees " + std::to_string(count) + ")");
  }
  if ((r = s->d.deviceGet(&s->dev, static_cast<int>(ordinal))) != CUDA_SUCCESS) return fail(r, "cuDeviceGet");
  char name[256] = {0};
  if ((r = s->d.deviceGetName(name, sizeof name - 1, s->dev)) != CUDA_SUCCESS) return fail(r, "cuDeviceGetName");
  int version = 0;
  if ((r = s->d.driverGetVersion(&version)) != CUDA_SUCCESS) return fail(r, "cuDriverGetVersion");
  size_t totalMem = 0;
  if ((r = s->d.deviceTotalMem(&totalMem, s->dev)) != CUDA_SUCCESS) return fail(r, "cuDeviceTotalMem_v2");
  if ((r = s->d.devicePrimaryCtxRetain(&s->ctx, s->dev)) != CUDA_SUCCESS) return fail(r, "cuDevicePrimaryCtxRetain");
  s->ready = true;  // from here teardown() releases the context
  if ((r = s->d.ctxSetCurrent(s->ctx)) != CUDA_SUCCESS) return fail(r, "cuCtxSetCurrent");
  if ((r = s->d.streamCreate(&s->stream, 0)) != CUDA_SUCCESS) return fail(r, "cuStreamCreate");
  s->ordinal = static_cast<int>(ordinal);

  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, name));
  o.Set("ordinal", Napi::Number::New(env, static_cast<double>(ordinal)));
  o.Set("deviceCount", Napi::Number::New(env, count));
  o.Set("driverVersion", Napi::Number::New(env, version));
  o.Set("computeCapability", Napi::Number::New(env, attribute(s, ATTR_COMPUTE_CAPABILITY_MAJOR) * 10 + attribute(s, ATTR_COMPUTE_CAPABILITY_MINOR)));
  o.Set("multiprocessors", Napi::Number::New(env, attribute(s, ATTR_MULTIPROCESSOR_COUNT)));
  o.Set("warpSize", Napi::Number::New(env, attribute(s, ATTR_WARP_SIZE)));
  o.Set("maxThreadsPerBlock", Napi::Number::New(env, attribute(s, ATTR_MAX_THREADS_PER_BLOCK)));
  Napi::Array block = Napi::Array::New(env, 3), grid = Napi::Array::New(env, 3);
  for (int k = 0; k < 3; k++) {
    block.Set(k, Napi::Number::New(env, attribute(s, ATTR_MAX_BLOCK_DIM_X + k)));
    grid.Set(k, Napi::Number::New(env, attribute(s, ATTR_MAX_GRID_DIM_X + k)));
  }
  o.Set("maxBlockDim", block);
  o.Set("maxGridDim", grid);
  o.Set("sharedMemPerBlock", Napi::Number::New(env, attribute(s, ATTR_MAX_SHARED_MEMORY_PER_BLOCK)));
  o.Set("sharedMemPerBlockOptin", Napi::Number::New(env, attribute(s, ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)));
  o.Set("totalConstMem", Napi::Number::New(env, attribute(s, ATTR_TOTAL_CONSTANT_MEMORY)));
  o.Set("totalMem", Napi::Number::New(env, static_cast<double>(totalMem)));
  o.Freeze();
  s->info = Napi::Persistent(o);
  return o;
}

static Napi::Value Initialized(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), state(info.Env())->ready);
}

// Frees everything this thread allocated and releases the context; init() may be called again.
static Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = state(env);
  if (s->pendingSyncs > 0) return throwError(env, "shutdown() while synchronizeAsync() is pending");
  teardown(s);
  s->info.Reset();
  s->ordinal = -1;
  return env.Undefined();
}

static Napi::Value Symbols(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, sizeof kSymbols / sizeof kSymbols[0]);
  for (uint32_t i = 0; i < a.Length(); i++) a.Set(i, Napi::String::New(env, kSymbols[i]));
  return a;
}

// ---------------------------------------------------------------------------------------------
// Memory

// memGetInfo() -> { free, total } in bytes.
static Napi::Value MemGetInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  if (!s) return env.Undefined();
  size_t freeBytes = 0, total = 0;
  CK(env, s, s->d.memGetInfo(&freeBytes, &total), "cuMemGetInfo_v2");
  Napi::Object o = Napi::Object::New(env);
  o.Set("free", Napi::Number::New(env, static_cast<double>(freeBytes)));
  o.Set("total", Napi::Number::New(env, static_cast<double>(total)));
  return o;
}

// memAlloc(bytes) -> allocation id.
static Napi::Value MemAlloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t bytes;
  if (!s || !argUint(info, 0, "bytes", MAX_SAFE, &bytes)) return env.Undefined();
  if (bytes == 0) return throwError(env, "cuMemAlloc_v2: cannot allocate 0 bytes");
  CUdeviceptr p = 0;
  CK(env, s, s->d.memAlloc(&p, bytes), "cuMemAlloc_v2(" + std::to_string(bytes) + " bytes)");
  uint32_t id = s->nextId++;
  s->allocs[id] = {p, static_cast<size_t>(bytes)};
  return Napi::Number::New(env, id);
}

// memFree(id). Waits for the stream first: launches still in flight may use the memory.
static Napi::Value MemFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id;
  if (!s || !argUint(info, 0, "allocation", MAX_U32, &id)) return env.Undefined();
  auto it = s->allocs.find(static_cast<uint32_t>(id));
  if (it == s->allocs.end()) return throwError(env, "cuMemFree_v2: no allocation " + std::to_string(id) + " (freed, or never allocated)");
  CUdeviceptr p = it->second.ptr;
  s->allocs.erase(it);
  CK(env, s, s->d.memFree(p), "cuMemFree_v2");  // cuMemFree synchronizes with outstanding work itself
  return env.Undefined();
}

// memcpyHtoD(id, offset, data): copies all of `data` to the allocation at `offset`.
static Napi::Value MemcpyHtoD(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id, offset;
  const uint8_t* data;
  size_t len;
  if (!s || !argUint(info, 0, "allocation", MAX_U32, &id) || !argUint(info, 1, "offset", MAX_SAFE, &offset) ||
      !argBytes(info, 2, "data", &data, &len)) {
    return env.Undefined();
  }
  const Allocation* a = range(env, s, id, offset, len, "cuMemcpyHtoD_v2");
  if (!a) return env.Undefined();
  if (len == 0) return env.Undefined();
  CK(env, s, s->d.memcpyHtoD(a->ptr + offset, data, len), "cuMemcpyHtoD_v2(" + std::to_string(len) + " bytes)");
  return env.Undefined();
}

// memcpyDtoH(id, offset, bytes) -> ArrayBuffer of `bytes` bytes.
static Napi::Value MemcpyDtoH(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id, offset, bytes;
  if (!s || !argUint(info, 0, "allocation", MAX_U32, &id) || !argUint(info, 1, "offset", MAX_SAFE, &offset) ||
      !argUint(info, 2, "bytes", MAX_SAFE, &bytes)) {
    return env.Undefined();
  }
  const Allocation* a = range(env, s, id, offset, bytes, "cuMemcpyDtoH_v2");
  if (!a) return env.Undefined();
  Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) CK(env, s, s->d.memcpyDtoH(out.Data(), a->ptr + offset, bytes), "cuMemcpyDtoH_v2(" + std::to_string(bytes) + " bytes)");
  return out;
}

// memsetD8(id, offset, value, bytes).
static Napi::Value MemsetD8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id, offset, value, bytes;
  if (!s || !argUint(info, 0, "allocation", MAX_U32, &id) || !argUint(info, 1, "offset", MAX_SAFE, &offset) ||
      !argUint(info, 2, "value", 255, &value) || !argUint(info, 3, "bytes", MAX_SAFE, &bytes)) {
    return env.Undefined();
  }
  const Allocation* a = range(env, s, id, offset, bytes, "cuMemsetD8_v2");
  if (!a) return env.Undefined();
  if (bytes > 0) CK(env, s, s->d.memsetD8(a->ptr + offset, static_cast<unsigned char>(value), bytes), "cuMemsetD8_v2");
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------
// Modules and functions

// moduleLoad(image) -> module id. `image` is a cubin, a fatbin or PTX text (a NUL is appended
// when missing, as PTX must end with one). JIT errors come with the JIT's log.
static Napi::Value ModuleLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  const uint8_t* data;
  size_t len;
  if (!s || !argBytes(info, 0, "image", &data, &len)) return env.Undefined();
  if (len == 0) return throwError(env, "cuModuleLoadDataEx: the image is empty");
  std::vector<uint8_t> image(data, data + len);
  if (image.back() != 0) image.push_back(0);
  std::vector<char> errLog(16384, 0), infoLog(16384, 0);
  int options[] = {JIT_ERROR_LOG_BUFFER, JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_INFO_LOG_BUFFER, JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {errLog.data(), reinterpret_cast<void*>(static_cast<uintptr_t>(errLog.size() - 1)), infoLog.data(),
                    reinterpret_cast<void*>(static_cast<uintptr_t>(infoLog.size() - 1))};
  CUmodule m = nullptr;
  CUresult r = s->d.moduleLoadDataEx(&m, image.data(), 4, options, values);
  if (r != CUDA_SUCCESS) {
    Napi::Error e = cudaError(env, s->d, r, "cuModuleLoadDataEx");
    if (errLog[0]) e.Set("message", Napi::String::New(env, e.Message() + "\n" + std::string(errLog.data())));
    e.Set("jitLog", Napi::String::New(env, std::string(errLog.data())));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t id = s->nextId++;
  s->modules[id] = m;
  return Napi::Number::New(env, id);
}

// moduleUnload(id): also forgets the module's functions.
static Napi::Value ModuleUnload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id;
  if (!s || !argUint(info, 0, "module", MAX_U32, &id)) return env.Undefined();
  auto it = s->modules.find(static_cast<uint32_t>(id));
  if (it == s->modules.end()) return throwError(env, "cuModuleUnload: no module " + std::to_string(id));
  CUmodule m = it->second;
  s->modules.erase(it);
  for (auto f = s->functions.begin(); f != s->functions.end();) {
    if (f->second.module == id) f = s->functions.erase(f);
    else ++f;
  }
  CK(env, s, s->d.moduleUnload(m), "cuModuleUnload");
  return env.Undefined();
}

// moduleGetFunction(module, name) -> function id.
static Napi::Value ModuleGetFunction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id;
  if (!s || !argUint(info, 0, "module", MAX_U32, &id)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsString()) return throwTypeError(env, argName(1, "name") + " must be a string");
  std::string name = info[1].As<Napi::String>().Utf8Value();
  auto it = s->modules.find(static_cast<uint32_t>(id));
  if (it == s->modules.end()) return throwError(env, "cuModuleGetFunction: no module " + std::to_string(id));
  CUfunction fn = nullptr;
  CK(env, s, s->d.moduleGetFunction(&fn, it->second, name.c_str()), "cuModuleGetFunction('" + name + "')");
  uint32_t fid = s->nextId++;
  s->functions[fid] = {fn, static_cast<uint32_t>(id), name, DEFAULT_DYNAMIC_SHARED_LIMIT};
  return Napi::Number::New(env, fid);
}

// funcGetAttributes(fn) -> { numRegs, sharedBytes, constBytes, localBytes, maxThreadsPerBlock }.
static Napi::Value FuncGetAttributes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id;
  if (!s || !argUint(info, 0, "function", MAX_U32, &id)) return env.Undefined();
  auto it = s->functions.find(static_cast<uint32_t>(id));
  if (it == s->functions.end()) return throwError(env, "cuFuncGetAttribute: no function " + std::to_string(id));
  const std::pair<const char*, int> attrs[] = {
      {"numRegs", FUNC_ATTR_NUM_REGS}, {"sharedBytes", FUNC_ATTR_SHARED_SIZE_BYTES}, {"constBytes", FUNC_ATTR_CONST_SIZE_BYTES},
      {"localBytes", FUNC_ATTR_LOCAL_SIZE_BYTES}, {"maxThreadsPerBlock", FUNC_ATTR_MAX_THREADS_PER_BLOCK}};
  Napi::Object o = Napi::Object::New(env);
  for (auto& [key, attr] : attrs) {
    int v = 0;
    CK(env, s, s->d.funcGetAttribute(&v, attr, it->second.fn), "cuFuncGetAttribute(" + std::string(key) + ", '" + it->second.name + "')");
    o.Set(key, Napi::Number::New(env, v));
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Launches

// launch(fn, gx, gy, gz, bx, by, bz, sharedBytes, pointers, params?) on the stream.
//   pointers: Float64Array of (allocation id, byte offset) pairs, one per pointer argument, in order;
//   params:   the bytes of the by-value struct that follows them (omitted or null: no struct).
// The driver copies the argument values at launch, so nothing here must outlive the call.
static Napi::Value Launch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  if (!s) return env.Undefined();
  uint64_t fid, dims[6], shared;
  if (!argUint(info, 0, "function", MAX_U32, &fid)) return env.Undefined();
  static const char* dimNames[] = {"gridX", "gridY", "gridZ", "blockX", "blockY", "blockZ"};
  for (int k = 0; k < 6; k++) {
    if (!argUint(info, 1 + k, dimNames[k], MAX_U32, &dims[k])) return env.Undefined();
  }
  if (!argUint(info, 7, "sharedBytes", MAX_U32, &shared)) return env.Undefined();
  auto it = s->functions.find(static_cast<uint32_t>(fid));
  if (it == s->functions.end()) return throwError(env, "cuLaunchKernel: no function " + std::to_string(fid));
  Function& f = it->second;
  if (info.Length() < 9 || !info[8].IsTypedArray() || info[8].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    return throwTypeError(env, argName(8, "pointers") + " must be a Float64Array of (allocation, offset) pairs");
  }
  Napi::Float64Array pairs = info[8].As<Napi::Float64Array>();
  if (pairs.ElementLength() % 2 != 0) return throwTypeError(env, argName(8, "pointers") + " must hold (allocation, offset) pairs");
  const uint8_t* params = nullptr;
  size_t paramBytes = 0;
  bool hasParams = info.Length() > 9 && !info[9].IsUndefined() && !info[9].IsNull();
  if (hasParams && !argBytes(info, 9, "params", &params, &paramBytes)) return env.Undefined();

  std::string where = "cuLaunchKernel('" + f.name + "')";
  size_t n = pairs.ElementLength() / 2;
  std::vector<CUdeviceptr> ptrs(n);
  for (size_t i = 0; i < n; i++) {
    double id = pairs[2 * i], off = pairs[2 * i + 1];
    if (!(id >= 0 && id <= MAX_U32 && off >= 0 && off <= MAX_SAFE) || id != static_cast<double>(static_cast<uint64_t>(id)) ||
        off != static_cast<double>(static_cast<uint64_t>(off))) {
      return throwTypeError(env, where + ": pointer " + std::to_string(i) + " is not an (allocation, offset) pair of integers");
    }
    const Allocation* a = range(env, s, static_cast<uint64_t>(id), static_cast<uint64_t>(off), 0, (where + ", pointer " + std::to_string(i)).c_str());
    if (!a) return env.Undefined();
    ptrs[i] = a->ptr + static_cast<uint64_t>(off);
  }
  // The struct is copied into 16-byte-aligned storage: the driver reads it as the kernel's struct.
  std::vector<uint64_t> structCopy((paramBytes + 15) / 16 * 2 + 2, 0);
  if (paramBytes > 0) std::memcpy(structCopy.data(), params, paramBytes);
  std::vector<void*> args(n + (hasParams ? 1 : 0));
  for (size_t i = 0; i < n; i++) args[i] = &ptrs[i];
  if (hasParams) args[n] = structCopy.data();

  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0) return env.Undefined();  // an empty grid launches nothing
  if (shared > f.dynamicSharedOptIn) {
    CK(env, s, s->d.funcSetAttribute(f.fn, FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES, static_cast<int>(shared)),
       "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES = " + std::to_string(shared) + ", '" + f.name + "')");
    f.dynamicSharedOptIn = static_cast<unsigned>(shared);
  }
  CK(env, s,
     s->d.launchKernel(f.fn, static_cast<unsigned>(dims[0]), static_cast<unsigned>(dims[1]), static_cast<unsigned>(dims[2]),
                       static_cast<unsigned>(dims[3]), static_cast<unsigned>(dims[4]), static_cast<unsigned>(dims[5]),
                       static_cast<unsigned>(shared), s->stream, args.data(), nullptr),
     where + " grid (" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ", " + std::to_string(dims[2]) + ") block (" +
         std::to_string(dims[3]) + ", " + std::to_string(dims[4]) + ", " + std::to_string(dims[5]) + ")");
  return env.Undefined();
}

// synchronize(): blocks until the stream's work is done; errors of earlier launches surface here.
static Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  if (!s) return env.Undefined();
  CK(env, s, s->d.streamSynchronize(s->stream), "cuStreamSynchronize");
  return env.Undefined();
}

// synchronizeAsync() -> Promise: waits on a worker thread, so the event loop keeps running.
class SyncWorker : public Napi::AsyncWorker {
 public:
  SyncWorker(Napi::Env env, State* s)
      : Napi::AsyncWorker(env, "cudrv.synchronizeAsync"), deferred_(Napi::Promise::Deferred::New(env)), s_(s),
        d_(s->d), ctx_(s->ctx), stream_(s->stream) {
    s_->pendingSyncs++;
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    // The context must be current on this thread for the driver to accept the stream.
    result_ = d_.ctxSetCurrent(ctx_);
    call_ = "cuCtxSetCurrent";
    if (result_ == CUDA_SUCCESS) {
      result_ = d_.streamSynchronize(stream_);
      call_ = "cuStreamSynchronize";
    }
  }
  void OnOK() override {
    s_->pendingSyncs--;
    if (result_ == CUDA_SUCCESS) deferred_.Resolve(Env().Undefined());
    else deferred_.Reject(cudaError(Env(), d_, result_, call_).Value());
  }
  void OnError(const Napi::Error& e) override {
    s_->pendingSyncs--;
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  State* s_;
  Driver d_;
  CUcontext ctx_;
  CUstream stream_;
  CUresult result_ = CUDA_SUCCESS;
  std::string call_;
};

static Napi::Value SynchronizeAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  if (!s) return env.Undefined();
  auto* w = new SyncWorker(env, s);  // deletes itself when done
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Events (timing)

static Napi::Value EventCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  if (!s) return env.Undefined();
  CUevent e = nullptr;
  CK(env, s, s->d.eventCreate(&e, 0), "cuEventCreate");
  uint32_t id = s->nextId++;
  s->events[id] = e;
  return Napi::Number::New(env, id);
}

static bool argEvent(const Napi::CallbackInfo& info, State* s, size_t i, const char* call, CUevent* out) {
  uint64_t id;
  if (!argUint(info, i, "event", MAX_U32, &id)) return false;
  auto it = s->events.find(static_cast<uint32_t>(id));
  if (it == s->events.end()) {
    throwError(info.Env(), std::string(call) + ": no event " + std::to_string(id));
    return false;
  }
  *out = it->second;
  return true;
}

// eventRecord(event): records the event on the stream, after the work launched so far.
static Napi::Value EventRecord(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  CUevent e;
  if (!s || !argEvent(info, s, 0, "cuEventRecord", &e)) return env.Undefined();
  CK(env, s, s->d.eventRecord(e, s->stream), "cuEventRecord");
  return env.Undefined();
}

static Napi::Value EventSynchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  CUevent e;
  if (!s || !argEvent(info, s, 0, "cuEventSynchronize", &e)) return env.Undefined();
  CK(env, s, s->d.eventSynchronize(e), "cuEventSynchronize");
  return env.Undefined();
}

// eventElapsedTime(start, end) -> milliseconds between two completed events.
static Napi::Value EventElapsedTime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  CUevent a, b;
  if (!s || !argEvent(info, s, 0, "cuEventElapsedTime", &a) || !argEvent(info, s, 1, "cuEventElapsedTime", &b)) return env.Undefined();
  float ms = 0;
  CK(env, s, s->d.eventElapsedTime(&ms, a, b), "cuEventElapsedTime");
  return Napi::Number::New(env, ms);
}

static Napi::Value EventDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = ready(env);
  uint64_t id;
  if (!s || !argUint(info, 0, "event", MAX_U32, &id)) return env.Undefined();
  auto it = s->events.find(static_cast<uint32_t>(id));
  if (it == s->events.end()) return throwError(env, "cuEventDestroy_v2: no event " + std::to_string(id));
  CUevent e = it->second;
  s->events.erase(it);
  CK(env, s, s->d.eventDestroy(e), "cuEventDestroy_v2");
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------
// NVRTC (nvrtc.h; its API is plain C with an int result, 0 for success)

struct NvrtcProgram_st;
using NvrtcProgram = NvrtcProgram_st*;
constexpr int NVRTC_SUCCESS = 0;

#define NVRTC_FUNCTIONS(X)                                                                             \
  X(version, "nvrtcVersion", (int* major, int* minor))                                                \
  X(createProgram, "nvrtcCreateProgram",                                                              \
    (NvrtcProgram * prog, const char* src, const char* name, int numHeaders, const char* const* headers, \
     const char* const* includeNames))                                                                \
  X(compileProgram, "nvrtcCompileProgram", (NvrtcProgram prog, int numOptions, const char* const* options)) \
  X(getProgramLogSize, "nvrtcGetProgramLogSize", (NvrtcProgram prog, size_t * size))                  \
  X(getProgramLog, "nvrtcGetProgramLog", (NvrtcProgram prog, char* log))                              \
  X(getPTXSize, "nvrtcGetPTXSize", (NvrtcProgram prog, size_t * size))                                \
  X(getPTX, "nvrtcGetPTX", (NvrtcProgram prog, char* ptx))                                            \
  X(getCUBINSize, "nvrtcGetCUBINSize", (NvrtcProgram prog, size_t * size))                            \
  X(getCUBIN, "nvrtcGetCUBIN", (NvrtcProgram prog, char* cubin))                                      \
  X(destroyProgram, "nvrtcDestroyProgram", (NvrtcProgram * prog))

struct Nvrtc {
#define NVRTC_MEMBER(member, symbol, params) int(*member) params = nullptr;
  NVRTC_FUNCTIONS(NVRTC_MEMBER)
#undef NVRTC_MEMBER
  const char* (*getErrorString)(int) = nullptr;
};

// Opened libraries by path; they stay open (programs may be compiled from any thread at once).
static std::mutex g_nvrtcMutex;
static std::unordered_map<std::string, Nvrtc> g_nvrtc;

static bool loadNvrtc(const std::string& path, Nvrtc* out, std::string* error) {
  std::lock_guard<std::mutex> lock(g_nvrtcMutex);
  auto it = g_nvrtc.find(path);
  if (it != g_nvrtc.end()) {
    *out = it->second;
    return true;
  }
  // NVRTC dlopens libnvrtc-builtins by soname at compile time; where the two sit outside the
  // linker's search path (a pip wheel's lib/ folder), load the builtins beside it first so that
  // lookup finds them already loaded.
  std::string dir = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/'));
  if (!dir.empty()) {
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string f = e->d_name;
        if (f.rfind("libnvrtc-builtins.so", 0) == 0) dlopen((dir + "/" + f).c_str(), RTLD_NOW | RTLD_GLOBAL);
      }
      closedir(d);
    }
  }
  dlerror();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    *error = "cannot load NVRTC (" + std::string(why ? why : path) + ")";
    return false;
  }
  Nvrtc n;
  std::string missing;
#define NVRTC_LOAD(member, symbol, params)                                       \
  n.member = reinterpret_cast<decltype(n.member)>(dlsym(h, symbol));             \
  if (!n.member) missing += std::string(missing.empty() ? "" : ", ") + symbol;
  NVRTC_FUNCTIONS(NVRTC_LOAD)
#undef NVRTC_LOAD
  n.getErrorString = reinterpret_cast<decltype(n.getErrorString)>(dlsym(h, "nvrtcGetErrorString"));
  if (!n.getErrorString) missing += std::string(missing.empty() ? "" : ", ") + "nvrtcGetErrorString";
  if (!missing.empty()) {
    dlclose(h);
    *error = "NVRTC in " + path + " is too old or incomplete: missing " + missing;
    return false;
  }
  g_nvrtc[path] = n;
  *out = n;
  return true;
}

// nvrtcCompile(library, source, name, options) -> Promise<{ cubin, ptx, log, version }>: cubin
// (for an sm_XY architecture) and ptx are ArrayBuffers or null. A compile error rejects with an
// Error whose message and `log` hold NVRTC's log, and `code` "NVRTC_ERROR_COMPILATION".
class NvrtcWorker : public Napi::AsyncWorker {
 public:
  NvrtcWorker(Napi::Env env, std::string library, std::string source, std::string name, std::vector<std::string> options)
      : Napi::AsyncWorker(env, "cudrv.nvrtcCompile"), deferred_(Napi::Promise::Deferred::New(env)), library_(std::move(library)),
        source_(std::move(source)), name_(std::move(name)), options_(std::move(options)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    Nvrtc n;
    if (!loadNvrtc(library_, &n, &error_)) return;
    n.version(&major_, &minor_);
    NvrtcProgram prog = nullptr;
    int r = n.createProgram(&prog, source_.c_str(), name_.c_str(), 0, nullptr, nullptr);
    if (r != NVRTC_SUCCESS) return fail(n, r, "nvrtcCreateProgram");
    std::vector<const char*> opts;
    for (auto& o : options_) opts.push_back(o.c_str());
    int compiled = n.compileProgram(prog, static_cast<int>(opts.size()), opts.data());
    size_t logSize = 0;
    if (n.getProgramLogSize(prog, &logSize) == NVRTC_SUCCESS && logSize > 1) {
      log_.resize(logSize);
      n.getProgramLog(prog, &log_[0]);
      log_.resize(logSize - 1);  // drop the terminating NUL
    }
    if (compiled != NVRTC_SUCCESS) {
      fail(n, compiled, "nvrtcCompileProgram");
    } else {
      size_t size = 0;
      if (n.getCUBINSize(prog, &size) == NVRTC_SUCCESS && size > 0) {
        cubin_.resize(size);
        if (n.getCUBIN(prog, cubin_.data()) != NVRTC_SUCCESS) cubin_.clear();
      }
      if (n.getPTXSize(prog, &size) == NVRTC_SUCCESS && size > 1) {
        ptx_.resize(size);
        if (n.getPTX(prog, ptx_.data()) != NVRTC_SUCCESS) ptx_.clear();
      }
      if (cubin_.empty() && ptx_.empty()) error_ = "NVRTC produced neither a cubin nor PTX for " + name_;
    }
    n.destroyProgram(&prog);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!error_.empty()) {
      Napi::Error e = Napi::Error::New(env, error_ + (log_.empty() ? "" : "\n" + log_));
      if (!code_.empty()) e.Set("code", Napi::String::New(env, code_));
      e.Set("log", Napi::String::New(env, log_));
      deferred_.Reject(e.Value());
      return;
    }
    auto buffer = [&](const std::vector<char>& v) -> Napi::Value {
      if (v.empty()) return env.Null();
      Napi::ArrayBuffer b = Napi::ArrayBuffer::New(env, v.size());
      std::memcpy(b.Data(), v.data(), v.size());
      return b;
    };
    Napi::Object o = Napi::Object::New(env);
    o.Set("cubin", buffer(cubin_));
    o.Set("ptx", buffer(ptx_));
    o.Set("log", Napi::String::New(env, log_));
    o.Set("version", Napi::String::New(env, std::to_string(major_) + "." + std::to_string(minor_)));
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void fail(const Nvrtc& n, int r, const char* call) {
    const char* s = n.getErrorString(r);
    code_ = s ? s : "NVRTC_ERROR_" + std::to_string(r);
    error_ = std::string(call) + " failed for " + name_ + ": " + code_;
  }

  Napi::Promise::Deferred deferred_;
  std::string library_, source_, name_;
  std::vector<std::string> options_;
  std::string error_, code_, log_;
  std::vector<char> cubin_, ptx_;
  int major_ = 0, minor_ = 0;
};

static Napi::Value NvrtcCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 3; i++) {
    static const char* names[] = {"library", "source", "name"};
    if (i >= info.Length() || !info[i].IsString()) return throwTypeError(env, argName(i, names[i]) + " must be a string");
  }
  std::vector<std::string> options;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (!info[3].IsArray()) return throwTypeError(env, argName(3, "options") + " must be an array of strings");
    Napi::Array a = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value v = a.Get(i);
      if (!v.IsString()) return throwTypeError(env, argName(3, "options") + " must be an array of strings");
      options.push_back(v.As<Napi::String>().Utf8Value());
    }
  }
  auto* w = new NvrtcWorker(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(),
                            info[2].As<Napi::String>().Utf8Value(), std::move(options));  // deletes itself when done
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// ---------------------------------------------------------------------------------------------

// Bumped whenever the exported functions change, so a stale build is detected by the loader.
constexpr int ABI_VERSION = 2;

static Napi::Object Module(Napi::Env env, Napi::Object exports) {
  state(env);
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"init", Init},
      {"initialized", Initialized},
      {"shutdown", Shutdown},
      {"symbols", Symbols},
      {"memGetInfo", MemGetInfo},
      {"memAlloc", MemAlloc},
      {"memFree", MemFree},
      {"memcpyHtoD", MemcpyHtoD},
      {"memcpyDtoH", MemcpyDtoH},
      {"memsetD8", MemsetD8},
      {"moduleLoad", ModuleLoad},
      {"moduleUnload", ModuleUnload},
      {"moduleGetFunction", ModuleGetFunction},
      {"funcGetAttributes", FuncGetAttributes},
      {"launch", Launch},
      {"synchronize", Synchronize},
      {"synchronizeAsync", SynchronizeAsync},
      {"eventCreate", EventCreate},
      {"eventRecord", EventRecord},
      {"eventSynchronize", EventSynchronize},
      {"eventElapsedTime", EventElapsedTime},
      {"eventDestroy", EventDestroy},
      {"nvrtcCompile", NvrtcCompile},
  };
  for (auto& [name, fn] : fns) exports.Set(name, Napi::Function::New(env, fn, name));
  exports.Set("abi", Napi::Number::New(env, ABI_VERSION));
  return exports;
}

NODE_API_MODULE(cudrv, Module)
