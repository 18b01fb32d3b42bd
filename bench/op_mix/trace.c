/* Counts the instructions a program executes between calls of two marker functions, by
 * single-stepping it under ptrace (Linux, x86-64): usage
 *   trace BEGIN_ADDRESS END_ADDRESS PROGRAM [ARGS...]
 * with the addresses (hex) of op_mix_begin(int kernel) and op_mix_end() in a non-PIE PROGRAM.
 * Prints one line "kernel address count" per executed instruction address; PROGRAM's own output
 * goes to stderr. Everything before the first op_mix_begin runs at full speed (a breakpoint
 * stops it there); from then on every instruction is stepped, counted only between a begin and
 * its end. Exits non-zero, saying why, when it cannot trace. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kSlots = 1 << 20, kKernels = 8 };

struct Slot {
  unsigned long address;
  int kernel;
  unsigned long count;
};

static struct Slot slots[kSlots];

static void count(int kernel, unsigned long address) {
  unsigned long h = (address * 0x9E3779B97F4A7C15ul + (unsigned long)kernel) & (kSlots - 1);
  while (slots[h].count && (slots[h].address != address || slots[h].kernel != kernel)) h = (h + 1) & (kSlots - 1);
  slots[h].address = address;
  slots[h].kernel = kernel;
  ++slots[h].count;
}

static int fail(const char* what) {
  fprintf(stderr, "op-mix trace: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: trace BEGIN_ADDRESS END_ADDRESS PROGRAM [ARGS...]\n");
    return 2;
  }
  const unsigned long begin = strtoul(argv[1], 0, 16), end = strtoul(argv[2], 0, 16);
  const pid_t pid = fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    dup2(2, 1); /* the program's output to stderr: stdout carries the counts */
    personality(ADDR_NO_RANDOMIZE);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(126);
    execv(argv[3], argv + 3);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
    fprintf(stderr, "op-mix trace: the program did not stop at its start (is ptrace allowed here?)\n");
    return 1;
  }
  errno = 0;
  const long original = ptrace(PTRACE_PEEKTEXT, pid, (void*)begin, 0);
  if (errno) return fail("reading the program's text");
  const long trap = (original & ~0xFFl) | 0xCC;
  unsigned long steps = 0;
  int kernels = 0;
  for (;;) {
    /* At full speed to the next op_mix_begin (a breakpoint on its first byte). */
    if (ptrace(PTRACE_POKETEXT, pid, (void*)begin, (void*)trap) != 0) return fail("setting a breakpoint");
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0) return fail("continuing");
    if (waitpid(pid, &status, 0) < 0) return fail("waiting");
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
      fprintf(stderr, "op-mix trace: the program stopped on signal %d\n", WSTOPSIG(status));
      kill(pid, SIGKILL);
      return 1;
    }
    struct user_regs_struct regs;
    ptrace(PTRACE_GETREGS, pid, 0, &regs);
    regs.rip -= 1; /* back onto the breakpoint's byte */
    ptrace(PTRACE_SETREGS, pid, 0, &regs);
    ptrace(PTRACE_POKETEXT, pid, (void*)begin, (void*)original);
    /* Step by step from op_mix_begin to op_mix_end, counting every address in between. */
    const int kernel = (int)(regs.rdi & 0xFF) % kKernels;
    ++kernels;
    for (;;) {
      if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0) return fail("single-stepping");
      if (waitpid(pid, &status, 0) < 0) return fail("waiting");
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        fprintf(stderr, "op-mix trace: the program ended inside a counted kernel\n");
        return 1;
      }
      ++steps;
      if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0) return fail("reading registers");
      if (regs.rip == end) break;
      count(kernel, regs.rip);
    }
  }
  for (int s = 0; s < kSlots; ++s)
    if (slots[s].count) printf("%d %lx %lu\n", slots[s].kernel, slots[s].address, slots[s].count);
  fprintf(stderr, "op-mix trace: %d kernel calls, %lu instructions stepped\n", kernels, steps);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
