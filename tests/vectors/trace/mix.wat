;; Trace test kernel: an LCG written to memory, byte loads hashed into a 64-bit rotating xor,
;; every 7th iteration an unaligned i64 store across two 64-byte Merkle leaves, otherwise a
;; global accumulating an unaligned i64 load that also spans two leaves. Integer subset only.
(module
  (memory 1)
  (global $acc (mut i64) (i64.const 0))
  (data (i32.const 16) "\01\02\03\04\05\06\07\08")
  (func (export "mix") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $h i64)
    (local.set $x (i32.const 12345))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 0xfffc)) (local.get $x))
        (local.set $h (i64.xor (i64.rotl (local.get $h) (i64.const 5))
          (i64.extend_i32_u (i32.load8_u (i32.and (local.get $x) (i32.const 0xffff))))))
        (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 7)))
          (then (i64.store offset=60 (i32.and (i32.mul (local.get $i) (i32.const 64)) (i32.const 0x3fc0))
                  (local.get $h)))
          (else (global.set $acc (i64.add (global.get $acc) (i64.load offset=58 (i32.const 0))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.add (local.get $h) (global.get $acc)))
  (func (export "countdown") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.div_u (i32.const 1000) (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l))
    (local.get $s)))
