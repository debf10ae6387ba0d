;; Kiln's own spec-style file, run by the engine matrix beside the official
;; suite (test/engines/matrix.ts `specFiles`). Sealed tables
;; (compiler/lower/tables.ts: none imported or exported, no instruction
;; writes them): a `call_indirect` into a table whose every function has the
;; call's type checks only that the element is there, and one whose table
;; holds no function that grows memory does not re-read the memory's view
;; (compiler/lower/grows.ts). Also loads at wrapped sums, which output tuned
;; for Hermes reads through a view at the sum before its wrap
;; (compiler/lower/views.ts `viewLoad`).
(module
  (table 4 funcref)
  (elem (i32.const 0) $sub $mul)
  (type $cmp (func (param i32 i32) (result i32)))
  (type $un (func (param i32) (result i32)))
  (func $sub (type $cmp) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $cmp) (i32.mul (local.get 0) (local.get 1)))
  (func (export "cmp") (param i32) (result i32) (call_indirect (type $cmp) (i32.const 7) (i32.const 3) (local.get 0)))
  (func (export "un") (param i32) (result i32) (call_indirect (type $un) (i32.const 7) (local.get 0)))
)

(assert_return (invoke "cmp" (i32.const 0)) (i32.const 4))
(assert_return (invoke "cmp" (i32.const 1)) (i32.const 21))
(assert_trap (invoke "cmp" (i32.const 2)) "uninitialized element")
(assert_trap (invoke "cmp" (i32.const 4)) "undefined element")
(assert_trap (invoke "cmp" (i32.const -1)) "undefined element")
(assert_trap (invoke "un" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "un" (i32.const 3)) "uninitialized element")

;; The table holds a function that grows memory (by more than any slack, so
;; the memory moves to a new buffer) and one that does not, of one type.
(module
  (memory 1 100)
  (table 2 funcref)
  (elem (i32.const 0) $grow $pure)
  (type $v (func (param i32) (result i32)))
  (func $grow (type $v) (drop (memory.grow (i32.const 40))) (local.get 0))
  (func $pure (type $v) (i32.add (local.get 0) (i32.const 1)))
  (func (export "run") (param i32) (result i32)
    (i32.store (i32.const 8) (i32.const 1000))
    (i32.store (i32.const 12) (call_indirect (type $v) (i32.const 5) (local.get 0)))
    (i32.store8 (i32.const 16) (i32.const 7))
    (i32.add (i32.load8_u (i32.const 16)) (i32.add (i32.load (i32.const 8)) (i32.load (i32.const 12)))))
  (func (export "size") (result i32) (memory.size))
)

(assert_return (invoke "run" (i32.const 1)) (i32.const 1013))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "run" (i32.const 0)) (i32.const 1012))
(assert_return (invoke "size") (i32.const 41))
(assert_return (invoke "run" (i32.const 0)) (i32.const 1012))
(assert_return (invoke "size") (i32.const 81))

(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08")
  (func (export "add") (param i32 i32) (result i32) (i32.load (i32.add (local.get 0) (local.get 1))))
  (func (export "sub16") (param i32 i32) (result i32) (i32.load16_u (i32.sub (local.get 0) (local.get 1))))
  (func (export "add8") (param i32 i32) (result i32) (i32.load8_u (i32.add (local.get 0) (local.get 1))))
)

(assert_return (invoke "add" (i32.const 0x80000000) (i32.const 0x80000000)) (i32.const 0x04030201))
(assert_return (invoke "add" (i32.const -4) (i32.const 8)) (i32.const 0x08070605))
(assert_return (invoke "add8" (i32.const -1) (i32.const 3)) (i32.const 3))
(assert_return (invoke "sub16" (i32.const 0x7ffffffe) (i32.const 0x7ffffffc)) (i32.const 0x0403))
(assert_trap (invoke "add" (i32.const -4) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "add" (i32.const 0x7fffffff) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "sub16" (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "add8" (i32.const 0x80000000) (i32.const 0x7fffffff)) "out of bounds memory access")
