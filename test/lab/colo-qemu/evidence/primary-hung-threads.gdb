[New LWP 17198]
[New LWP 17199]
[New LWP 17200]
[New LWP 17201]
[New LWP 17541]
[Thread debugging using libthread_db enabled]
Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".
futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146
  Id   Target Id                                           Frame 
* 1    Thread 0x7ff42f837ec0 (LWP 17197) "qemu-system-x86" futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146
  2    Thread 0x7ff42f1ff6c0 (LWP 17198) "qemu-system-x86" syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
  3    Thread 0x7ff42e9fe6c0 (LWP 17199) "IO iothread1"    0x00007ff42ff4f26f in __GI___poll (fds=0x7ff420001bd0, nfds=4, timeout=1000) at ../sysdeps/unix/sysv/linux/poll.c:29
  4    Thread 0x7ff42e1c96c0 (LWP 17200) "IO mon_iothread" 0x00007ff42ff4f26f in __GI___poll (fds=0x55d46d8b3fb0, nfds=3, timeout=-1) at ../sysdeps/unix/sysv/linux/poll.c:29
  5    Thread 0x7ff42d9056c0 (LWP 17201) "CPU 0/TCG"       __futex_abstimed_wait_common64 (private=0, cancel=true, abstime=0x0, op=393, expected=0, futex_word=0x55d46db8d7a8) at ./nptl/futex-internal.c:57
  6    Thread 0x7ff40aaea6c0 (LWP 17541) "live_migration"  futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146

Thread 6 (Thread 0x7ff40aaea6c0 (LWP 17541) "live_migration"):
#0  futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146
#1  __GI___lll_lock_wait (futex=futex@entry=0x55d4620d0b40, private=0) at ./nptl/lowlevellock.c:49
#2  0x00007ff42fedf482 in lll_mutex_lock_optimized (mutex=0x55d4620d0b40) at ./nptl/pthread_mutex_lock.c:48
#3  ___pthread_mutex_lock (mutex=0x55d4620d0b40) at ./nptl/pthread_mutex_lock.c:93
#4  0x000055d4618b0523 in qemu_mutex_lock_impl ()
#5  0x000055d4615188a6 in qemu_mutex_lock_iothread_impl ()
#6  0x000055d46153b4fe in migrate_start_colo_process ()
#7  0x000055d461543efa in  ()
#8  0x000055d4618b0148 in  ()
#9  0x00007ff42fedc1f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#10 0x00007ff42ff5c8ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81

Thread 5 (Thread 0x7ff42d9056c0 (LWP 17201) "CPU 0/TCG"):
#0  __futex_abstimed_wait_common64 (private=0, cancel=true, abstime=0x0, op=393, expected=0, futex_word=0x55d46db8d7a8) at ./nptl/futex-internal.c:57
#1  __futex_abstimed_wait_common (futex_word=futex_word@entry=0x55d46db8d7a8, expected=expected@entry=0, clockid=clockid@entry=0, abstime=abstime@entry=0x0, private=private@entry=0, cancel=cancel@entry=true) at ./nptl/futex-internal.c:87
#2  0x00007ff42fed8f7b in __GI___futex_abstimed_wait_cancelable64 (futex_word=futex_word@entry=0x55d46db8d7a8, expected=expected@entry=0, clockid=clockid@entry=0, abstime=abstime@entry=0x0, private=private@entry=0) at ./nptl/futex-internal.c:139
#3  0x00007ff42fedb5d8 in __pthread_cond_wait_common (abstime=0x0, clockid=0, mutex=0x55d4620d0b40, cond=0x55d46db8d780) at ./nptl/pthread_cond_wait.c:503
#4  ___pthread_cond_wait (cond=0x55d46db8d780, mutex=0x55d4620d0b40) at ./nptl/pthread_cond_wait.c:618
#5  0x000055d4618b0c5b in qemu_cond_wait_impl ()
#6  0x000055d46151865e in qemu_wait_io_event ()
#7  0x00007ff43129db56 in  () at /usr/bin/../lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
#8  0x000055d4618b0148 in  ()
#9  0x00007ff42fedc1f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#10 0x00007ff42ff5c8ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81

Thread 4 (Thread 0x7ff42e1c96c0 (LWP 17200) "IO mon_iothread"):
#0  0x00007ff42ff4f26f in __GI___poll (fds=0x55d46d8b3fb0, nfds=3, timeout=-1) at ../sysdeps/unix/sysv/linux/poll.c:29
#1  0x00007ff43033b98e in  () at /lib/x86_64-linux-gnu/libglib-2.0.so.0
#2  0x00007ff43033bccf in g_main_loop_run () at /lib/x86_64-linux-gnu/libglib-2.0.so.0
#3  0x000055d46177ac39 in  ()
#4  0x000055d4618b0148 in  ()
#5  0x00007ff42fedc1f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#6  0x00007ff42ff5c8ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81

Thread 3 (Thread 0x7ff42e9fe6c0 (LWP 17199) "IO iothread1"):
#0  0x00007ff42ff4f26f in __GI___poll (fds=0x7ff420001bd0, nfds=4, timeout=1000) at ../sysdeps/unix/sysv/linux/poll.c:29
#1  0x00007ff43033b98e in  () at /lib/x86_64-linux-gnu/libglib-2.0.so.0
#2  0x00007ff43033bccf in g_main_loop_run () at /lib/x86_64-linux-gnu/libglib-2.0.so.0
#3  0x000055d46177ac39 in  ()
#4  0x000055d4618b0148 in  ()
#5  0x00007ff42fedc1f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#6  0x00007ff42ff5c8ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81

Thread 2 (Thread 0x7ff42f1ff6c0 (LWP 17198) "qemu-system-x86"):
#0  syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
#1  0x000055d4618b12da in qemu_event_wait ()
#2  0x000055d4618ba4b2 in  ()
#3  0x000055d4618b0148 in  ()
#4  0x00007ff42fedc1f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#5  0x00007ff42ff5c8ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81

Thread 1 (Thread 0x7ff42f837ec0 (LWP 17197) "qemu-system-x86"):
#0  futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146
#1  __GI___lll_lock_wait (futex=futex@entry=0x55d4620d0b40, private=0) at ./nptl/lowlevellock.c:49
#2  0x00007ff42fedf482 in lll_mutex_lock_optimized (mutex=0x55d4620d0b40) at ./nptl/pthread_mutex_lock.c:48
#3  ___pthread_mutex_lock (mutex=0x55d4620d0b40) at ./nptl/pthread_mutex_lock.c:93
#4  0x000055d4618b0523 in qemu_mutex_lock_impl ()
#5  0x000055d4615188a6 in qemu_mutex_lock_iothread_impl ()
#6  0x000055d4618c3276 in main_loop_wait ()
#7  0x000055d46151e907 in qemu_main_loop ()
#8  0x000055d461742a76 in qemu_default_main ()
#9  0x00007ff42fe7a24a in __libc_start_call_main (main=main@entry=0x55d461351570 <main>, argc=argc@entry=65, argv=argv@entry=0x7fff0e68a518) at ../sysdeps/nptl/libc_start_call_main.h:58
#10 0x00007ff42fe7a305 in __libc_start_main_impl (main=0x55d461351570 <main>, argc=65, argv=0x7fff0e68a518, init=<optimized out>, fini=<optimized out>, rtld_fini=<optimized out>, stack_end=0x7fff0e68a508) at ../csu/libc-start.c:360
#11 0x000055d461352e51 in _start ()
[Switching to thread 1 (Thread 0x7ff42f837ec0 (LWP 17197))]
#0  futex_wait (private=0, expected=2, futex_word=0x55d4620d0b40) at ../sysdeps/nptl/futex-internal.h:146
146	in ../sysdeps/nptl/futex-internal.h
#3  ___pthread_mutex_lock (mutex=0x55d4620d0b40) at ./nptl/pthread_mutex_lock.c:93
$1 = {__data = {__lock = 2, __count = 0, __owner = 17541, __nusers = 1, __kind = 0, __spins = 0, __elision = 0, __list = {__prev = 0x0, __next = 0x0}}, __size = "\002\000\000\000\000\000\000\000\205D\000\000\001", '\000' <repeats 26 times>, __align = 2}
[Inferior 1 (process 17197) detached]
