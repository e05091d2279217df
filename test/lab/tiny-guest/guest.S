# The HA test's tiny guest: a boot sector (no OS) that proves, on its serial port, that
# it runs and which data it finds on its own disk. Its state lives in the disk's second
# sector: magic "LSKG", the number of boots, the last tick stored. On every boot it reads
# them and prints `boot B resumed at tick T`; then, once a second, it stores tick T+1
# with a BIOS disk write and prints `tick T+1 stored (boot B)` only after the write
# returned. A line printed is therefore a write the disk acknowledged: after a failover
# the next boot must resume at a tick at least as high as the last one printed.
# It also obeys the ACPI power button (`virsh shutdown`, Pacemaker's graceful stop):
# it enables the button's event in the chipset's PM1 block (PIIX4, at 0x600 under
# SeaBIOS) and, once the button is pressed, powers off (S5) after the tick it is on.
# Assembled with GNU as (binutils); linked at 0x7c00 as a flat 512-byte image.
        .intel_syntax noprefix
        .code16
        .globl _start
        .set STATE, 0x7e00
        .set BIOS_TICKS, 0x46c
        .set COM1, 0x3f8
        .set PM1_STS, 0x600
        .set PM1_EN, 0x602
        .set PM1_CNT, 0x604

_start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        sti
        mov [drive], dl

        mov ax, 0x0201              # read one sector
        call disk
        cmp dword ptr [STATE], 0x474b534c
        je 1f
        mov dword ptr [STATE], 0x474b534c
        mov dword ptr [STATE + 4], 0
        mov dword ptr [STATE + 8], 0
1:      inc dword ptr [STATE + 4]
        mov ax, 0x0301              # write it back: this boot is counted
        call disk
        mov si, offset msg_boot
        call puts
        mov eax, [STATE + 4]
        call putu
        mov si, offset msg_resumed
        call puts
        mov eax, [STATE + 8]
        call putu
        mov si, offset msg_eol
        call puts
        mov dx, PM1_EN
        mov ax, 0x0100              # PWRBTN_EN
        out dx, ax

tick:   mov ebx, [BIOS_TICKS]
        add ebx, 18                 # the BIOS timer runs at 18.2 Hz: about one second
2:      hlt
        mov dx, PM1_STS
        in ax, dx
        test ah, 1                  # PWRBTN_STS: the power button was pressed
        jnz off
        cmp [BIOS_TICKS], ebx
        jb 2b
        inc dword ptr [STATE + 8]
        mov ax, 0x0301
        call disk
        mov si, offset msg_tick
        call puts
        mov eax, [STATE + 8]
        call putu
        mov si, offset msg_stored
        call puts
        mov eax, [STATE + 4]
        call putu
        mov si, offset msg_close
        call puts
        jmp tick

off:    mov si, offset msg_off
        call puts
        mov dx, PM1_CNT
        mov ax, 0x2000              # SLP_EN with SLP_TYP 0: S5 (soft off) on QEMU's PIIX4
        out dx, ax
5:      hlt
        jmp 5b

# ah = 2 (read) or 3 (write), al = 1: the state sector (cylinder 0, head 0, sector 2).
disk:   mov cx, 0x0002
        xor dh, dh
        mov dl, [drive]
        mov bx, STATE
        int 0x13
        jc 3f
        ret
3:      mov si, offset msg_error
        call puts
4:      hlt
        jmp 4b

# Prints the NUL-terminated string at si on COM1.
puts:   lodsb
        test al, al
        jz 6f
        call putc
        jmp puts
6:      ret

putc:   push ax
        mov dx, COM1 + 5
7:      in al, dx
        test al, 0x20               # transmitter holding register empty
        jz 7b
        pop ax
        mov dx, COM1
        out dx, al
        ret

# Prints eax in decimal.
putu:   mov ecx, 10
        xor bx, bx
8:      xor edx, edx
        div ecx
        push dx
        inc bx
        test eax, eax
        jnz 8b
9:      pop ax
        add al, '0'
        call putc
        dec bx
        jnz 9b
        ret

drive:       .byte 0
msg_boot:    .asciz "lockstep-guest: boot "
msg_resumed: .asciz " resumed at tick "
msg_tick:    .asciz "lockstep-guest: tick "
msg_stored:  .asciz " stored (boot "
msg_close:   .ascii ")"
msg_eol:     .asciz "\r\n"
msg_error:   .asciz "lockstep-guest: disk error\r\n"
msg_off:     .asciz "lockstep-guest: power button: off\r\n"

        .org 510
        .byte 0x55, 0xaa
