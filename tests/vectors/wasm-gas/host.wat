(module
  (import "env" "charge7" (func $h (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $h $double)
  (type $t (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
  (func (export "run") (param i32) (result i32)
    (block $b (block $a
      (br_table $a $b (local.get 0)))
      (return (call_indirect (type $t) (i32.const 5) (i32.const 0))))
    (call_indirect (type $t) (i32.const 5) (i32.const 1))))
