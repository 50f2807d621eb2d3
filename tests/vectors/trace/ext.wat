;; Stepper kernel for the instructions past the integer core: br_table (to blocks with and
;; without a value, to a loop, index past the end = default), memory.grow (one page at a time to
;; the declared maximum of 4, then -1; a grow of 0; a grow of 300 pages that fails after its
;; price), memory.fill and overlapping memory.copy across 64-byte Merkle leaves, hashed back
;; with loads. ext.hex is `wat2wasm ext.wat` as hex. "oob" traps in memory.fill / memory.copy.
(module
  (memory 1 4)
  (data (i32.const 100) "SuperVM stepper")
  (func $sel (param $i i32) (result i64)
    (local $r i64) (local $k i32)
    (block $out
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $out (i32.rem_u (local.get $i) (i32.const 5))))
          (local.set $r (i64.const 11))
          (br $out))
        (local.set $r (i64.const 22))
        (br $out))
      (local.set $r (i64.const 33)))
    (loop $l
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (block $x
        (br_table $l $x (i32.ge_u (local.get $k) (i32.and (local.get $i) (i32.const 3))))))
    (i64.add (i64.add (local.get $r) (i64.extend_i32_u (local.get $k)))
      (block $v (result i64)
        (i64.add
          (block $w (result i64)
            (br_table $v $w $v
              (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 3))
              (i32.and (local.get $i) (i32.const 3))))
          (i64.const 1000)))))
  (func (export "ext") (param $n i32) (result i64)
    (local $i i32) (local $h i64) (local $p i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h (i64.add (i64.rotl (local.get $h) (i64.const 7)) (call $sel (local.get $i))))
        (memory.fill (i32.and (i32.mul (local.get $i) (i32.const 37)) (i32.const 0x7fff))
          (local.get $i) (i32.add (i32.const 3) (i32.rem_u (local.get $i) (i32.const 128))))
        (memory.copy
          (i32.add (i32.and (i32.mul (local.get $i) (i32.const 53)) (i32.const 0x7fff)) (i32.const 5))
          (i32.and (i32.mul (local.get $i) (i32.const 53)) (i32.const 0x7fff))
          (i32.const 100))
        (if (i32.eqz (i32.and (local.get $i) (i32.const 15)))
          (then
            (local.set $p (memory.grow (i32.const 1)))
            (local.set $h (i64.xor (local.get $h) (i64.extend_i32_s (local.get $p))))
            (if (i32.ne (local.get $p) (i32.const -1))
              (then (i64.store (i32.mul (local.get $p) (i32.const 65536)) (local.get $h))))))
        (local.set $h (i64.xor (i64.rotl (local.get $h) (i64.const 3))
          (i64.load (i32.and (i32.mul (local.get $i) (i32.const 29)) (i32.const 0x7ff8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.add (i64.add (local.get $h) (i64.extend_i32_u (memory.grow (i32.const 0))))
      (i64.extend_i32_u (i32.add (memory.size) (memory.grow (i32.const 300))))))
  (func (export "oob") (param $n i32) (result i64)
    (memory.fill (i32.sub (i32.mul (memory.size) (i32.const 65536)) (local.get $n)) (i32.const 1)
      (i32.const 16))
    (memory.copy (i32.const 0) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (local.get $n))
      (i32.const 24))
    (i64.load (i32.const 0))))
