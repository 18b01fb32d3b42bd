// One source of truth for CPU and CUDA: functions marked RTK_HD compile for both.
#pragma once

#if defined(__CUDACC__)
#define RTK_HD __host__ __device__
#else
#define RTK_HD
#endif
