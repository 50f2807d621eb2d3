;; Stepper kernel for multi-value and reference types: a function returning two values (called
;; directly and through table 1 with call_indirect), blocks, ifs and loops that take parameters
;; and return several results, branches out of them with other values below on the stack, typed
;; select, ref.func / ref.null / ref.is_null / table.get / table.size on a funcref table and an
;; externref one, a funcref local and global; the results hashed into an i64. mv.hex is
;; `wat2wasm mv.wat` as hex.
(module
  (type $two (func (param i64) (result i64 i64)))
  (table $t0 2 funcref)
  (table $t1 4 funcref)
  (table $tx 3 externref)
  (elem (table $t1) (i32.const 0) func $pair $swap $pair)
  (elem (table $t0) (i32.const 1) func $swap)
  (global $g (mut funcref) (ref.func $pair))
  (func $pair (type $two) (local.get 0) (i64.add (local.get 0) (i64.const 7)))
  (func $swap (type $two)
    (i64.mul (local.get 0) (i64.const 3)) (i64.xor (local.get 0) (i64.const 0x5555)))
  (func (export "mv") (param $n i32) (result i64)
    (local $i i32) (local $h i64) (local $f funcref) (local $t i64)
    (local.set $h (i64.const 0x1234567))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; two results from a direct call and from call_indirect through table 1
        (call $pair (local.get $h))
        (call_indirect $t1 (type $two) (i64.add) (i32.rem_u (local.get $i) (i32.const 3)))
        ;; a block taking two parameters and returning one; a branch out of it with extra values
        (block $b (param i64 i64) (result i64)
          (i64.add)
          (i64.const 99)
          (br_if $b (i32.and (local.get $i) (i32.const 1))) ;; taken: 99, the sum below dropped
          (drop))
        ;; an if with a parameter and two results
        (if (param i64) (result i64 i64) (i32.and (local.get $i) (i32.const 2))
          (then (i64.const 1) (i64.add) (i64.const 11))
          (else (i64.const 2) (i64.mul) (i64.const 22)))
        (i64.xor)
        ;; a loop with a parameter: counts its parameter (at most 255) down by 3 past 0
        (i64.and (i64.const 0xff))
        (loop $c (param i64) (result i64)
          (i64.sub (i64.const 3))
          (local.tee $t)
          (br_if $c (i64.gt_s (local.get $t) (i64.const 0))))
        (local.set $h (i64.add (local.get $h)))
        ;; typed select on references, ref.is_null, table.get, table.size, a funcref global
        (local.set $f (select (result funcref) (ref.func $swap) (global.get $g) (i32.and (local.get $i) (i32.const 4))))
        (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (ref.is_null (local.get $f)))))
        (local.set $h (i64.add (local.get $h)
          (i64.extend_i32_u (ref.is_null (table.get $t0 (i32.rem_u (local.get $i) (i32.const 2)))))))
        (local.set $h (i64.add (local.get $h)
          (i64.extend_i32_u (ref.is_null (table.get $tx (i32.rem_u (local.get $i) (i32.const 3)))))))
        (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (i32.add (table.size $t1) (table.size $tx)))))
        (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (ref.is_null (ref.null extern)))))
        (local.set $h (i64.rotl (local.get $h) (i64.const 13)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $h))
  (func (export "oob") (param $i i32) (result i32)
    (ref.is_null (table.get $t1 (local.get $i)))))
