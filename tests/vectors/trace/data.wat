;; Stepper kernel for memory.init and data.drop: passive segments copied window by window into
;; memory across 64-byte Merkle leaves, a segment dropped (twice, which is allowed), a zero-length
;; init of a dropped segment (allowed), the bytes hashed back with loads. "dropped" traps as the
;; VM does: init from a dropped segment, from an active one (dropped at instantiation), a source
;; past a dropped segment's zero length with n = 0, a destination or a source out of bounds;
;; dropped(5) does not trap. data.hex is `wat2wasm data.wat` as hex.
(module
  (memory 1 1)
  (data (i32.const 0) "active segment")
  (data $p "SuperVM passive segment: memory.init copies it, data.drop forgets it, so a later init traps.")
  (data $q "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func (export "init") (param $n i32) (result i64)
    (local $i i32) (local $h i64) (local $d i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d (i32.add (i32.const 1000) (i32.mul (i32.rem_u (local.get $i) (i32.const 900)) (i32.const 37))))
        (memory.init $p (local.get $d)
          (i32.rem_u (local.get $i) (i32.const 20))
          (i32.sub (i32.const 60) (i32.rem_u (local.get $i) (i32.const 31))))
        (memory.init $q
          (i32.add (i32.const 40000) (i32.mul (i32.rem_u (local.get $i) (i32.const 300)) (i32.const 64)))
          (i32.and (local.get $i) (i32.const 7))
          (i32.and (local.get $i) (i32.const 7)))
        (local.set $h (i64.xor (i64.rotl (local.get $h) (i64.const 5))
          (i64.load (local.get $d))))
        (local.set $h (i64.add (local.get $h)
          (i64.load (i32.add (i32.const 40000) (i32.mul (i32.rem_u (local.get $i) (i32.const 300)) (i32.const 64))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (data.drop $q)
    (data.drop $q)
    (memory.init $q (i32.const 0) (i32.const 0) (i32.const 0))
    (i64.add (local.get $h) (i64.load (i32.const 0))))
  (func (export "dropped") (param $k i32) (result i64)
    (if (i32.eq (local.get $k) (i32.const 0))
      (then (data.drop $p) (memory.init $p (i32.const 0) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $k) (i32.const 1))
      (then (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $k) (i32.const 2))
      (then (data.drop $p) (memory.init $p (i32.const 0) (i32.const 1) (i32.const 0))))
    (if (i32.eq (local.get $k) (i32.const 3))
      (then (memory.init $p (i32.const 65530) (i32.const 0) (i32.const 7))))
    (if (i32.eq (local.get $k) (i32.const 4))
      (then (memory.init $p (i32.const 0) (i32.const 60) (i32.const 100))))
    (memory.init $p (i32.const 8) (i32.const 0) (i32.const 7))
    (i64.load (i32.const 0))))
