;; Stepper kernel for the instructions that change a table: table.grow (by 1-3 elements, with a
;; function or with null, across the Merkle tree's depths 0 to 3, then -1 at the declared maximum
;; of 64), table.set, table.fill, overlapping table.copy in one table and across two,
;; table.init from a passive element segment, elem.drop (twice), and call_indirect through every
;; element as they change. tab.hex is `wat2wasm tab.wat` as hex. "oob" traps in each of them
;; (k = 0..8) or returns; "big" grows a table past the stepper's 65 536 elements (refused);
;; "huge" grows past the VM's cap (-1 in both).
(module
  (type $ii (func (param i32) (result i32)))
  (table $t 4 64 funcref)
  (table $u 2 funcref)
  (elem $p funcref (ref.func $f0) (ref.func $f1) (ref.func $f2) (ref.null func) (ref.func $f3))
  (elem $a (table $t) (i32.const 0) funcref (ref.func $f0) (ref.func $f1))
  (elem declare func $f3)
  (func $f0 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $f1 (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $f2 (param i32) (result i32) (i32.xor (local.get 0) (i32.const 0x55)))
  (func $f3 (param i32) (result i32) (i32.sub (local.get 0) (i32.const 7)))
  ;; every non-null element of $t applied in turn
  (func $sum (param $acc i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (table.size $t)))
        (if (i32.eqz (ref.is_null (table.get $t (local.get $i))))
          (then (local.set $acc (call_indirect $t (type $ii) (local.get $acc) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func (export "tab") (param $n i32) (result i64)
    (local $k i32) (local $acc i32) (local $g i32) (local $sz i32)
    (local.set $acc (i32.const 1))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        ;; grow by 1..3: with $f2 twice in three, with null once
        (local.set $g
          (table.grow $t
            (select (result funcref) (ref.func $f2) (ref.null func) (i32.rem_u (local.get $k) (i32.const 3)))
            (i32.add (i32.rem_u (local.get $k) (i32.const 3)) (i32.const 1))))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $g)))
        (local.set $sz (table.size $t))
        ;; set: an element copied from another slot, or $f3
        (table.set $t (i32.rem_u (i32.mul (local.get $k) (i32.const 7)) (local.get $sz))
          (select (result funcref) (table.get $t (i32.rem_u (local.get $k) (local.get $sz))) (ref.func $f3)
            (i32.and (local.get $k) (i32.const 1))))
        ;; fill 2 or 3 elements with $f1 or null
        (table.fill $t (i32.rem_u (local.get $k) (i32.const 5))
          (select (result funcref) (ref.func $f1) (ref.null func) (i32.and (local.get $k) (i32.const 2)))
          (i32.add (i32.const 2) (i32.and (local.get $k) (i32.const 1))))
        ;; overlapping copy inside $t, then one element of $t into $u
        (table.copy $t $t (i32.rem_u (local.get $k) (i32.const 3))
          (i32.rem_u (i32.add (local.get $k) (i32.const 1)) (i32.const 3)) (i32.const 2))
        (table.copy $u $t (i32.and (local.get $k) (i32.const 1))
          (i32.rem_u (i32.mul (local.get $k) (i32.const 5)) (local.get $sz)) (i32.const 1))
        ;; init from the passive segment while it lives; drop it at k = 5 and again at 6
        (if (i32.lt_u (local.get $k) (i32.const 5))
          (then (table.init $t $p (i32.and (local.get $k) (i32.const 1))
                  (i32.rem_u (local.get $k) (i32.const 4)) (i32.const 2))))
        (if (i32.or (i32.eq (local.get $k) (i32.const 5)) (i32.eq (local.get $k) (i32.const 6)))
          (then (elem.drop $p)))
        ;; a zero-length init of the dropped segment at source 0 runs
        (if (i32.gt_u (local.get $k) (i32.const 5))
          (then (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 0))))
        (local.set $acc (call $sum (local.get $acc)))
        (if (i32.eqz (ref.is_null (table.get $u (i32.const 0))))
          (then (local.set $acc (call_indirect $u (type $ii) (local.get $acc) (i32.const 0)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (i64.or (i64.shl (i64.extend_i32_u (table.size $t)) (i64.const 32)) (i64.extend_i32_u (local.get $acc))))
  (func (export "oob") (param $k i32) (result i64)
    (if (i32.eq (local.get $k) (i32.const 0)) (then (table.set $t (i32.const 4) (ref.null func))))
    (if (i32.eq (local.get $k) (i32.const 1)) (then (table.fill $t (i32.const 3) (ref.null func) (i32.const 2))))
    (if (i32.eq (local.get $k) (i32.const 2)) (then (table.copy $t $u (i32.const 0) (i32.const 1) (i32.const 2))))
    (if (i32.eq (local.get $k) (i32.const 3)) (then (table.init $t $p (i32.const 0) (i32.const 4) (i32.const 2))))
    (if (i32.eq (local.get $k) (i32.const 4))
      (then (elem.drop $p) (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $k) (i32.const 5)) (then (drop (table.get $u (i32.const 2)))))
    (if (i32.eq (local.get $k) (i32.const 6))
      (then (drop (call_indirect $t (type $ii) (i32.const 0) (i32.const 2)))))
    (if (i32.eq (local.get $k) (i32.const 7)) (then (table.init $t $a (i32.const 0) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $k) (i32.const 8))
      (then (elem.drop $p) (table.init $t $p (i32.const 0) (i32.const 1) (i32.const 0))))
    ;; a zero-length init of the active segment (dropped at instantiation) at source 0 runs
    (table.init $t $a (i32.const 0) (i32.const 0) (i32.const 0))
    (i64.extend_i32_u (call_indirect $t (type $ii) (local.get $k) (i32.const 1))))
  (func (export "big") (param $k i32) (result i64)
    (i64.extend_i32_u (table.grow $u (ref.null func) (i32.add (local.get $k) (i32.const 70000)))))
  (func (export "huge") (param $k i32) (result i64)
    (i64.extend_i32_u (table.grow $u (ref.func $f0) (i32.sub (i32.const -1) (local.get $k)))))
)
