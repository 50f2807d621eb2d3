(module
  (memory 1 4)
  (func (export "bulk") (param $n i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $n))
    (memory.copy (i32.const 1000) (i32.const 0) (local.get $n))
    (drop (memory.grow (i32.const 2)))
    (i32.add (i32.load8_u (i32.const 1000)) (memory.size))))
