// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the datapath tests: before main(), fill the next
 * MiB of the stack below this constructor (where main() and everything
 * it calls will have their frames) with the byte 0xa5.  A new process's
 * stack pages are zero, so a local that the program reads before it
 * writes it (a struct whose memset is missing) reads 0 and usually
 * passes for initialised; with the pattern it reads 0xa5a5...: a
 * pointer that faults, a flag that is set, a count that is huge.
 */
#include <string.h>

#define DIRTY_STACK_BYTES (1 << 20)
#define DIRTY_STACK_BYTE 0xa5

__attribute__((constructor)) static void dirty_stack(void)
{
	unsigned char below[DIRTY_STACK_BYTES];

	memset(below, DIRTY_STACK_BYTE, sizeof(below));
	/* The stores are the point: keep the compiler from dropping them. */
	__asm__ volatile("" : : "r"(below) : "memory");
}
