;; The incremental samplers' arithmetic in WebAssembly SIMD (128-bit, four
;; float32 lanes), and the training step's (the training-kernels region).
;; scripts/build-wasm.mjs compiles this file into kernels.generated.ts (the
;; samplers' part) and training/kernels.generated.ts (all of it, plain and
;; relaxed); src/model/simd/simd.test.ts fails when they differ.
;;
;; Every pointer is a byte offset into the module's own memory, and every
;; matrix is float32, row-major.
(module
  (memory (export "memory") 1)

;; out[n × cols] = a[n × rows] · w[rows × cols].
  ;; Blocks of 4 rows × 8 columns keep their 8 sums in registers while k runs
  ;; over `rows`. The column blocks are the outer loop, so one block's strip
  ;; of w stays in the nearest cache while every row block reads it. The rows
  ;; (n mod 4) and columns (cols mod 8) left over are done one row, or one
  ;; column, at a time.
  (func (export "multiply") (param $a i32) (param $w i32) (param $out i32) (param $n i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $c i32) (local $blockCols i32) (local $blockRows i32)
    ;; cols rounded down to a multiple of 8, n to a multiple of 4: what whole blocks cover
    (local.set $blockCols (i32.and (local.get $cols) (i32.const -8)))
    (local.set $blockRows (i32.and (local.get $n) (i32.const -4)))
    (local.set $c (i32.const 0))
    (block $columnsDone (loop $nextColumns
      (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $blockCols)))
      (local.set $i (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.ge_u (local.get $i) (local.get $blockRows)))
        (call $fourByEight (local.get $a) (local.get $w) (local.get $out) (local.get $i) (local.get $c) (local.get $rows) (local.get $cols))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $i) (local.get $n)))
        (call $oneByEight (local.get $a) (local.get $w) (local.get $out) (local.get $i) (local.get $c) (local.get $rows) (local.get $cols))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextOne)))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (br $nextColumns)))
    (call $tailColumns (local.get $a) (local.get $w) (local.get $out) (i32.const 0) (local.get $n) (local.get $rows) (local.get $cols) (local.get $blockCols))
  )

  ;; out[i … i+3][c … c+7]
  (func $fourByEight (param $a i32) (param $w i32) (param $out i32) (param $i i32) (param $c i32) (param $rows i32) (param $cols i32)
    (local $k i32) (local $rowBytes i32) (local $colBytes i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $pw i32) (local $po i32)
    (local $w0 v128) (local $w1 v128) (local $s v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $rowBytes (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
    (local.set $a1 (i32.add (local.get $a0) (local.get $rowBytes)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $rowBytes)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $rowBytes)))
    (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2))))
    (local.set $k (local.get $rows))
    (block $summed (loop $nextK
      (br_if $summed (i32.eqz (local.get $k)))
      (local.set $w0 (v128.load (local.get $pw)))
      (local.set $w1 (v128.load offset=16 (local.get $pw)))
      (local.set $s (f32x4.splat (f32.load (local.get $a0))))
      (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (local.get $a1))))
      (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (local.get $a2))))
      (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (local.get $a3))))
      (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
      (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
      (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
      (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
      (local.set $pw (i32.add (local.get $pw) (local.get $colBytes)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $nextK)))
    (local.set $po (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2))))
    (v128.store (local.get $po) (local.get $s00))
    (v128.store offset=16 (local.get $po) (local.get $s01))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s10))
    (v128.store offset=16 (local.get $po) (local.get $s11))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s20))
    (v128.store offset=16 (local.get $po) (local.get $s21))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s30))
    (v128.store offset=16 (local.get $po) (local.get $s31))
  )

  ;; out[i][c … c+7]
  (func $oneByEight (param $a i32) (param $w i32) (param $out i32) (param $i i32) (param $c i32) (param $rows i32) (param $cols i32)
    (local $k i32) (local $colBytes i32) (local $pa i32) (local $pw i32) (local $po i32)
    (local $s v128) (local $s0 v128) (local $s1 v128)
    (local.set $colBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $rows)) (i32.const 2))))
    (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2))))
    (local.set $k (local.get $rows))
    (block $summed (loop $nextK
      (br_if $summed (i32.eqz (local.get $k)))
      (local.set $s (f32x4.splat (f32.load (local.get $pa))))
      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $s) (v128.load (local.get $pw)))))
      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pw)))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
      (local.set $pw (i32.add (local.get $pw) (local.get $colBytes)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $nextK)))
    (local.set $po (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2))))
    (v128.store (local.get $po) (local.get $s0))
    (v128.store offset=16 (local.get $po) (local.get $s1))
  )

    ;; Rows from … to−1, columns firstCol … cols−1, one sum at a time.
  (func $tailColumns (param $a i32) (param $w i32) (param $out i32) (param $from i32) (param $to i32) (param $rows i32) (param $cols i32) (param $firstCol i32)
    (local $i i32) (local $c i32) (local $k i32) (local $pa i32) (local $pw i32) (local $sum f32)
    (local.set $i (local.get $from))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $to)))
      (local.set $c (local.get $firstCol))
      (block $colsDone (loop $nextCol
        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $sum (f32.const 0))
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $rows)) (i32.const 2))))
        (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $k (local.get $rows))
        (block $summed (loop $nextK
          (br_if $summed (i32.eqz (local.get $k)))
          (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pw)))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
          (local.set $pw (i32.add (local.get $pw) (i32.shl (local.get $cols) (i32.const 2))))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $nextK)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2))) (local.get $sum))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $nextCol)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextRow)))
  )

  ;; The gate of the Gated PixelCNN: target = tanh(f) · σ(g), where f and g
  ;; are the first and second q values of each of n rows of `pre`:
  ;;   pre[r·preStride + o] is f, pre[r·preStride + q + o] is g,
  ;;   target[r·targetStride + o] = tanh(f) · σ(g),   o < q
  ;; (strides in floats). Four values at a time; the last group of a row
  ;; stores only the lanes that belong to it, so q need not divide by 4
  ;; (and up to 3 values past a row's f and g may be read, never written).
  (func (export "gate") (param $pre i32) (param $preStride i32) (param $target i32) (param $targetStride i32) (param $n i32) (param $q i32)
    (local $r i32) (local $o i32) (local $pf i32) (local $pt i32) (local $left i32) (local $value v128)
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $pf (i32.add (local.get $pre) (i32.shl (i32.mul (local.get $r) (local.get $preStride)) (i32.const 2))))
      (local.set $pt (i32.add (local.get $target) (i32.shl (i32.mul (local.get $r) (local.get $targetStride)) (i32.const 2))))
      (local.set $o (i32.const 0))
      (block $rowDone (loop $nextFour
        (local.set $left (i32.sub (local.get $q) (local.get $o)))
        (br_if $rowDone (i32.le_s (local.get $left) (i32.const 0)))
        (local.set $value (call $tanhTimesSigmoid
          (v128.load (local.get $pf))
          (v128.load (i32.add (local.get $pf) (i32.shl (local.get $q) (i32.const 2))))))
        (if (i32.ge_s (local.get $left) (i32.const 4))
          (then (v128.store (local.get $pt) (local.get $value)))
          (else
            (f32.store (local.get $pt) (f32x4.extract_lane 0 (local.get $value)))
            (if (i32.ge_s (local.get $left) (i32.const 2)) (then (f32.store offset=4 (local.get $pt) (f32x4.extract_lane 1 (local.get $value)))))
            (if (i32.ge_s (local.get $left) (i32.const 3)) (then (f32.store offset=8 (local.get $pt) (f32x4.extract_lane 2 (local.get $value)))))))
        (local.set $pf (i32.add (local.get $pf) (i32.const 16)))
        (local.set $pt (i32.add (local.get $pt) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextRow)))
  )

  ;; tanh(f) · σ(g) = (1 − u) / ((1 + u)(1 + v)), with u = e^(−2f) and v = e^(−g): two exponentials and one
  ;; division. f is clamped to ±9 (tanh is ±1 in float32 beyond) and g to ±80, so u stays finite and the
  ;; result is never NaN; where (1 + u)(1 + v) overflows, the result is 0, as σ(g) is.
  (func $tanhTimesSigmoid (param $f v128) (param $g v128) (result v128)
    (local $u v128) (local $v v128)
    (local.set $u (call $exp (f32x4.mul (f32x4.splat (f32.const -2))
      (f32x4.min (f32x4.max (local.get $f) (f32x4.splat (f32.const -9))) (f32x4.splat (f32.const 9))))))
    (local.set $v (call $exp (f32x4.neg
      (f32x4.min (f32x4.max (local.get $g) (f32x4.splat (f32.const -80))) (f32x4.splat (f32.const 80))))))
    (f32x4.div
      (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $u))
      (f32x4.mul
        (f32x4.add (f32x4.splat (f32.const 1)) (local.get $u))
        (f32x4.add (f32x4.splat (f32.const 1)) (local.get $v))))
  )

  ;; e^x for |x| ≤ 87, to about 2 float32 ulps: x = n·ln 2 + r with n whole and |r| ≤ ln 2 / 2, then
  ;; e^x = 2^n · e^r, e^r from its Taylor series to r^6 (the first term left out, r^7/5040, is below 1.2e-7),
  ;; and 2^n built from its exponent bits.
  (func $exp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    ;; ln 2 in two parts, so that n · (high part) is exact
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693145751953125))))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const 1.428606765330187e-6)))))
    ;; Horner: 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r/720)))))
    (local.set $p (f32x4.splat (f32.const 0.001388888888888889)))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.008333333333333333)) (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.041666666666666664)) (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.16666666666666666)) (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $p) (local.get $r))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $p) (local.get $r))))
    ;; 2^n: the biased exponent n + 127 in bits 23 to 30
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23)))
  )
  ;; target[r·targetStride + o] += a[r·aStride + o] + b[r·bStride + o] for r < n, o < width (strides in
  ;; floats; a stride of 0 adds the same row to every row). Four values at a time, then one at a time.
  (func (export "addTerms") (param $target i32) (param $targetStride i32) (param $a i32) (param $aStride i32) (param $b i32) (param $bStride i32) (param $n i32) (param $width i32)
    (local $r i32) (local $o i32) (local $pt i32) (local $pa i32) (local $pb i32) (local $fours i32)
    (local.set $fours (i32.and (local.get $width) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $pt (i32.add (local.get $target) (i32.shl (i32.mul (local.get $r) (local.get $targetStride)) (i32.const 2))))
      (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $aStride)) (i32.const 2))))
      (local.set $pb (i32.add (local.get $b) (i32.shl (i32.mul (local.get $r) (local.get $bStride)) (i32.const 2))))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.ge_u (local.get $o) (local.get $fours)))
        (v128.store (local.get $pt)
          (f32x4.add (v128.load (local.get $pt)) (f32x4.add (v128.load (local.get $pa)) (v128.load (local.get $pb)))))
        (local.set $pt (i32.add (local.get $pt) (i32.const 16)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $width)))
        (f32.store (local.get $pt)
          (f32.add (f32.load (local.get $pt)) (f32.add (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
        (local.set $pt (i32.add (local.get $pt) (i32.const 4)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextRow)))
  )

  ;; target[r·targetStride + o] = max(source[r·sourceStride + o], 0) for r < n, o < width (strides in floats).
  (func (export "relu") (param $target i32) (param $targetStride i32) (param $source i32) (param $sourceStride i32) (param $n i32) (param $width i32)
    (local $r i32) (local $o i32) (local $pt i32) (local $ps i32) (local $fours i32)
    (local.set $fours (i32.and (local.get $width) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $pt (i32.add (local.get $target) (i32.shl (i32.mul (local.get $r) (local.get $targetStride)) (i32.const 2))))
      (local.set $ps (i32.add (local.get $source) (i32.shl (i32.mul (local.get $r) (local.get $sourceStride)) (i32.const 2))))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.ge_u (local.get $o) (local.get $fours)))
        (v128.store (local.get $pt) (f32x4.max (v128.load (local.get $ps)) (v128.const f32x4 0 0 0 0)))
        (local.set $pt (i32.add (local.get $pt) (i32.const 16)))
        (local.set $ps (i32.add (local.get $ps) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $width)))
        (f32.store (local.get $pt) (f32.max (f32.load (local.get $ps)) (f32.const 0)))
        (local.set $pt (i32.add (local.get $pt) (i32.const 4)))
        (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextRow)))
  )
  ;; training-kernels:begin
  ;; The training step's kernels (src/model/simd/training). Same conventions:
  ;; byte pointers into this memory, float32, row-major. The samplers' module
  ;; leaves out everything from here to the end mark (scripts/wasm-kernels.mjs).

  ;; relaxed-madd:begin (scripts/wasm-kernels.mjs fuses the multiply-adds from here to the end mark in the relaxed module)
  ;; out[m × cols] = A · w, or += when `accumulate` is 1, where A[i][k] is the float at
  ;; a + i·aRowStep + k·aKStep (steps in bytes) and w is [kCount × cols]. With aKStep = 4 A is a
  ;; row-major [m × kCount] matrix (multiplyInto); with aRowStep = 4 it is the transpose of a
  ;; row-major [kCount × m] one (multiplyTransposedA). Blocks of 4 rows × 8 columns, as multiply.
  (func $product (param $a i32) (param $aRowStep i32) (param $aKStep i32) (param $w i32) (param $out i32)
    (param $m i32) (param $kCount i32) (param $cols i32) (param $accumulate i32)
    (local $i i32) (local $c i32) (local $blockCols i32) (local $blockRows i32) (local $colBytes i32)
    (local $k i32) (local $pa i32) (local $pw i32) (local $po i32) (local $sum f32)
    (local.set $blockCols (i32.and (local.get $cols) (i32.const -8)))
    (local.set $blockRows (i32.and (local.get $m) (i32.const -4)))
    (local.set $colBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $c (i32.const 0))
    (block $columnsDone (loop $nextColumns
      (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $blockCols)))
      (local.set $i (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.ge_u (local.get $i) (local.get $blockRows)))
        (call $productFourByEight
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowStep))) (local.get $aRowStep) (local.get $aKStep)
          (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2)))
          (local.get $kCount) (local.get $colBytes) (local.get $accumulate))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $i) (local.get $m)))
        (call $productOneByEight
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowStep))) (local.get $aKStep)
          (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2)))
          (local.get $kCount) (local.get $colBytes) (local.get $accumulate))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextOne)))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (br $nextColumns)))
    ;; the columns left over (cols mod 8), one sum at a time
    (local.set $i (i32.const 0))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $c (local.get $blockCols))
      (block $colsDone (loop $nextCol
        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $po (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $c)) (i32.const 2))))
        (local.set $sum (if (result f32) (local.get $accumulate) (then (f32.load (local.get $po))) (else (f32.const 0))))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowStep))))
        (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $k (local.get $kCount))
        (block $summed (loop $nextK
          (br_if $summed (i32.eqz (local.get $k)))
          (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pw)))))
          (local.set $pa (i32.add (local.get $pa) (local.get $aKStep)))
          (local.set $pw (i32.add (local.get $pw) (local.get $colBytes)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $nextK)))
        (f32.store (local.get $po) (local.get $sum))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $nextCol)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextRow)))
  )

  ;; 4 rows × 8 columns of $product: rows of A from pa (aRowStep apart), columns of w from pw, sums at po.
  (func $productFourByEight (param $pa i32) (param $aRowStep i32) (param $aKStep i32) (param $pw i32) (param $po i32)
    (param $k i32) (param $colBytes i32) (param $accumulate i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $q i32)
    (local $w0 v128) (local $w1 v128) (local $s v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $a1 (local.get $aRowStep))
    (local.set $a2 (i32.shl (local.get $aRowStep) (i32.const 1)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $aRowStep)))
    (if (local.get $accumulate) (then
      (local.set $q (local.get $po))
      (local.set $s00 (v128.load (local.get $q)))
      (local.set $s01 (v128.load offset=16 (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $colBytes)))
      (local.set $s10 (v128.load (local.get $q)))
      (local.set $s11 (v128.load offset=16 (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $colBytes)))
      (local.set $s20 (v128.load (local.get $q)))
      (local.set $s21 (v128.load offset=16 (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $colBytes)))
      (local.set $s30 (v128.load (local.get $q)))
      (local.set $s31 (v128.load offset=16 (local.get $q)))))
    (block $summed (loop $nextK
      (br_if $summed (i32.eqz (local.get $k)))
      (local.set $w0 (v128.load (local.get $pw)))
      (local.set $w1 (v128.load offset=16 (local.get $pw)))
      (local.set $s (f32x4.splat (f32.load (local.get $pa))))
      (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $a1)))))
      (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $a2)))))
      (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $s (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $a3)))))
      (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aKStep)))
      (local.set $pw (i32.add (local.get $pw) (local.get $colBytes)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $nextK)))
    (v128.store (local.get $po) (local.get $s00))
    (v128.store offset=16 (local.get $po) (local.get $s01))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s10))
    (v128.store offset=16 (local.get $po) (local.get $s11))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s20))
    (v128.store offset=16 (local.get $po) (local.get $s21))
    (local.set $po (i32.add (local.get $po) (local.get $colBytes)))
    (v128.store (local.get $po) (local.get $s30))
    (v128.store offset=16 (local.get $po) (local.get $s31))
  )

  ;; 1 row × 8 columns of $product.
  (func $productOneByEight (param $pa i32) (param $aKStep i32) (param $pw i32) (param $po i32)
    (param $k i32) (param $colBytes i32) (param $accumulate i32)
    (local $s v128) (local $s0 v128) (local $s1 v128)
    (if (local.get $accumulate) (then
      (local.set $s0 (v128.load (local.get $po)))
      (local.set $s1 (v128.load offset=16 (local.get $po)))))
    (block $summed (loop $nextK
      (br_if $summed (i32.eqz (local.get $k)))
      (local.set $s (f32x4.splat (f32.load (local.get $pa))))
      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $s) (v128.load (local.get $pw)))))
      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pw)))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aKStep)))
      (local.set $pw (i32.add (local.get $pw) (local.get $colBytes)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $nextK)))
    (v128.store (local.get $po) (local.get $s0))
    (v128.store offset=16 (local.get $po) (local.get $s1))
  )

  ;; relaxed-madd:end
  ;; out[n × cols] = a[n × rows] · w[rows × cols], or += when accumulate is 1.
  (func (export "multiplyInto") (param $a i32) (param $w i32) (param $out i32) (param $n i32) (param $rows i32) (param $cols i32) (param $accumulate i32)
    (call $product (local.get $a) (i32.shl (local.get $rows) (i32.const 2)) (i32.const 4) (local.get $w) (local.get $out)
      (local.get $n) (local.get $rows) (local.get $cols) (local.get $accumulate))
  )

  ;; out[rows × cols] = aᵀ · b, or += when accumulate is 1, for a [n × rows] and b [n × cols]: a weight's gradient.
  (func (export "multiplyTransposedA") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $rows i32) (param $cols i32) (param $accumulate i32)
    (call $product (local.get $a) (i32.const 4) (i32.shl (local.get $rows) (i32.const 2)) (local.get $b) (local.get $out)
      (local.get $rows) (local.get $n) (local.get $cols) (local.get $accumulate))
  )

  ;; The gather of a convolution over its open taps (im2col). x is [batch, height, width, channels];
  ;; taps holds tapCount (dy, dx) pairs of i32. Row p = (b, i, j) of cols is tapCount·channels wide:
  ;; tap t's channels are x[b, i+dy, j+dx, ·], or zeros where that lies outside the image.
  (func (export "gatherTaps") (param $x i32) (param $cols i32) (param $batch i32) (param $height i32) (param $width i32)
    (param $channels i32) (param $taps i32) (param $tapCount i32)
    (call $tapsWalk (local.get $x) (local.get $cols) (local.get $batch) (local.get $height) (local.get $width)
      (local.get $channels) (local.get $taps) (local.get $tapCount) (i32.const 0))
  )

  ;; gatherTaps's transpose: dx[b, i+dy, j+dx, ·] += dcols[(b, i, j), tap t, ·] where inside the image.
  (func (export "scatterTaps") (param $dcols i32) (param $dx i32) (param $batch i32) (param $height i32) (param $width i32)
    (param $channels i32) (param $taps i32) (param $tapCount i32)
    (call $tapsWalk (local.get $dx) (local.get $dcols) (local.get $batch) (local.get $height) (local.get $width)
      (local.get $channels) (local.get $taps) (local.get $tapCount) (i32.const 1))
  )

  ;; Walks every (position, tap) of a gather: scatter 0 copies image → cols (zeros outside),
  ;; scatter 1 adds cols → image (nothing outside).
  (func $tapsWalk (param $image i32) (param $cols i32) (param $batch i32) (param $height i32) (param $width i32)
    (param $channels i32) (param $taps i32) (param $tapCount i32) (param $scatter i32)
    (local $b i32) (local $i i32) (local $j i32) (local $t i32) (local $si i32) (local $sj i32)
    (local $pc i32) (local $pt i32) (local $source i32) (local $channelBytes i32)
    (local.set $channelBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $pc (local.get $cols))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $nextImage
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $i (i32.const 0))
      (block $rowsDone (loop $nextRow
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $height)))
        (local.set $j (i32.const 0))
        (block $colsDone (loop $nextCol
          (br_if $colsDone (i32.ge_u (local.get $j) (local.get $width)))
          (local.set $pt (local.get $taps))
          (local.set $t (local.get $tapCount))
          (block $tapsDone (loop $nextTap
            (br_if $tapsDone (i32.eqz (local.get $t)))
            (local.set $si (i32.add (local.get $i) (i32.load (local.get $pt))))
            (local.set $sj (i32.add (local.get $j) (i32.load offset=4 (local.get $pt))))
            (if (i32.and (i32.lt_u (local.get $si) (local.get $height)) (i32.lt_u (local.get $sj) (local.get $width)))
              (then
                (local.set $source (i32.add (local.get $image) (i32.mul (local.get $channelBytes)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height)) (local.get $si)) (local.get $width)) (local.get $sj)))))
                (if (local.get $scatter)
                  (then (call $addFloats (local.get $pc) (local.get $source) (local.get $channels)))
                  (else (call $copyFloats (local.get $source) (local.get $pc) (local.get $channels)))))
              (else (if (i32.eqz (local.get $scatter)) (then (memory.fill (local.get $pc) (i32.const 0) (local.get $channelBytes))))))
            (local.set $pc (i32.add (local.get $pc) (local.get $channelBytes)))
            (local.set $pt (i32.add (local.get $pt) (i32.const 8)))
            (local.set $t (i32.sub (local.get $t) (i32.const 1)))
            (br $nextTap)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $nextCol)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextRow)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nextImage)))
  )

  ;; target[0 … count) = source[0 … count), four at a time, then one at a time.
  (func $copyFloats (param $source i32) (param $target i32) (param $count i32)
    (block $foursDone (loop $nextFour
      (br_if $foursDone (i32.lt_u (local.get $count) (i32.const 4)))
      (v128.store (local.get $target) (v128.load (local.get $source)))
      (local.set $source (i32.add (local.get $source) (i32.const 16)))
      (local.set $target (i32.add (local.get $target) (i32.const 16)))
      (local.set $count (i32.sub (local.get $count) (i32.const 4)))
      (br $nextFour)))
    (block $onesDone (loop $nextOne
      (br_if $onesDone (i32.eqz (local.get $count)))
      (f32.store (local.get $target) (f32.load (local.get $source)))
      (local.set $source (i32.add (local.get $source) (i32.const 4)))
      (local.set $target (i32.add (local.get $target) (i32.const 4)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $nextOne)))
  )

  ;; target[0 … count) += source[0 … count).
  (func $addFloats (param $source i32) (param $target i32) (param $count i32)
    (block $foursDone (loop $nextFour
      (br_if $foursDone (i32.lt_u (local.get $count) (i32.const 4)))
      (v128.store (local.get $target) (f32x4.add (v128.load (local.get $target)) (v128.load (local.get $source))))
      (local.set $source (i32.add (local.get $source) (i32.const 16)))
      (local.set $target (i32.add (local.get $target) (i32.const 16)))
      (local.set $count (i32.sub (local.get $count) (i32.const 4)))
      (br $nextFour)))
    (block $onesDone (loop $nextOne
      (br_if $onesDone (i32.eqz (local.get $count)))
      (f32.store (local.get $target) (f32.add (f32.load (local.get $target)) (f32.load (local.get $source))))
      (local.set $source (i32.add (local.get $source) (i32.const 4)))
      (local.set $target (i32.add (local.get $target) (i32.const 4)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $nextOne)))
  )

  ;; The gate's gradient. pre holds rows of [f (q) | g (q)], dOut rows of q; for o < q:
  ;;   dPre[f] = dOut · σ(g) · (1 − tanh²(f)),   dPre[g] = dOut · tanh(f) · σ(g) · (1 − σ(g)).
  (func (export "gateBackward") (param $pre i32) (param $dOut i32) (param $dPre i32) (param $rows i32) (param $q i32)
    (local $r i32) (local $o i32) (local $half i32)
    (local.set $half (i32.shl (local.get $q) (i32.const 2)))
    (local.set $r (local.get $rows))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.eqz (local.get $r)))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $q)))
        (call $gateGradient (v128.load (local.get $pre)) (v128.load (i32.add (local.get $pre) (local.get $half))) (v128.load (local.get $dOut))
          (local.get $dPre) (i32.add (local.get $dPre) (local.get $half)) (i32.const 1))
        (local.set $pre (i32.add (local.get $pre) (i32.const 16)))
        (local.set $dOut (i32.add (local.get $dOut) (i32.const 16)))
        (local.set $dPre (i32.add (local.get $dPre) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $q)))
        (call $gateGradient (f32x4.splat (f32.load (local.get $pre))) (f32x4.splat (f32.load (i32.add (local.get $pre) (local.get $half))))
          (f32x4.splat (f32.load (local.get $dOut))) (local.get $dPre) (i32.add (local.get $dPre) (local.get $half)) (i32.const 0))
        (local.set $pre (i32.add (local.get $pre) (i32.const 4)))
        (local.set $dOut (i32.add (local.get $dOut) (i32.const 4)))
        (local.set $dPre (i32.add (local.get $dPre) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      ;; past this row's g half, to the next row's f
      (local.set $pre (i32.add (local.get $pre) (local.get $half)))
      (local.set $dPre (i32.add (local.get $dPre) (local.get $half)))
      (local.set $r (i32.sub (local.get $r) (i32.const 1)))
      (br $nextRow)))
  )

  ;; Four lanes of the gate's gradient, stored at pdf and pdg (all four when `four`, else lane 0).
  ;; tanh(f) = (1 − u)/(1 + u) with u = e^(−2f), σ(g) = 1/(1 + v) with v = e^(−g), and
  ;; σ(g)(1 − σ(g)) = σ(g) · vσ(g); f and g are clamped as in the forward gate.
  (func $gateGradient (param $f v128) (param $g v128) (param $d v128) (param $pdf i32) (param $pdg i32) (param $four i32)
    (local $u v128) (local $v v128) (local $t v128) (local $s v128) (local $df v128) (local $dg v128)
    (local.set $u (call $exp (f32x4.mul (f32x4.splat (f32.const -2))
      (f32x4.min (f32x4.max (local.get $f) (f32x4.splat (f32.const -9))) (f32x4.splat (f32.const 9))))))
    (local.set $v (call $exp (f32x4.neg
      (f32x4.min (f32x4.max (local.get $g) (f32x4.splat (f32.const -80))) (f32x4.splat (f32.const 80))))))
    (local.set $t (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $u)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $u))))
    (local.set $s (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $v))))
    (local.set $df (f32x4.mul (f32x4.mul (local.get $d) (local.get $s))
      (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $t) (local.get $t)))))
    (local.set $dg (f32x4.mul (f32x4.mul (local.get $d) (local.get $t))
      (f32x4.mul (local.get $s) (f32x4.mul (local.get $v) (local.get $s)))))
    (if (local.get $four)
      (then (v128.store (local.get $pdf) (local.get $df)) (v128.store (local.get $pdg) (local.get $dg)))
      (else (f32.store (local.get $pdf) (f32x4.extract_lane 0 (local.get $df))) (f32.store (local.get $pdg) (f32x4.extract_lane 0 (local.get $dg)))))
  )

  ;; dPre[0 … n) = dOut where pre > 0, else 0 (relu's gradient; dPre may be dOut).
  (func (export "reluBackward") (param $pre i32) (param $dOut i32) (param $dPre i32) (param $n i32)
    (block $foursDone (loop $nextFour
      (br_if $foursDone (i32.lt_u (local.get $n) (i32.const 4)))
      (v128.store (local.get $dPre) (v128.and (v128.load (local.get $dOut))
        (f32x4.gt (v128.load (local.get $pre)) (v128.const f32x4 0 0 0 0))))
      (local.set $pre (i32.add (local.get $pre) (i32.const 16)))
      (local.set $dOut (i32.add (local.get $dOut) (i32.const 16)))
      (local.set $dPre (i32.add (local.get $dPre) (i32.const 16)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (br $nextFour)))
    (block $onesDone (loop $nextOne
      (br_if $onesDone (i32.eqz (local.get $n)))
      (f32.store (local.get $dPre) (select (f32.load (local.get $dOut)) (f32.const 0) (f32.gt (f32.load (local.get $pre)) (f32.const 0))))
      (local.set $pre (i32.add (local.get $pre) (i32.const 4)))
      (local.set $dOut (i32.add (local.get $dOut) (i32.const 4)))
      (local.set $dPre (i32.add (local.get $dPre) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $nextOne)))
  )

  ;; target[o] += Σ_{r < n} source[r·sourceStride + o] for o < width (stride in floats): the
  ;; gradient of a bias, or of a table row, from the rows it was added to.
  (func (export "columnSums") (param $source i32) (param $sourceStride i32) (param $n i32) (param $width i32) (param $target i32)
    (local $o i32) (local $r i32) (local $ps i32) (local $strideBytes i32) (local $sum v128) (local $one f32)
    (local.set $strideBytes (i32.shl (local.get $sourceStride) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $foursDone (loop $nextFour
      (br_if $foursDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $width)))
      (local.set $ps (i32.add (local.get $source) (i32.shl (local.get $o) (i32.const 2))))
      (local.set $sum (v128.load (i32.add (local.get $target) (i32.shl (local.get $o) (i32.const 2)))))
      (local.set $r (local.get $n))
      (block $summed (loop $nextRow
        (br_if $summed (i32.eqz (local.get $r)))
        (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ps))))
        (local.set $ps (i32.add (local.get $ps) (local.get $strideBytes)))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $nextRow)))
      (v128.store (i32.add (local.get $target) (i32.shl (local.get $o) (i32.const 2))) (local.get $sum))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $nextFour)))
    (block $onesDone (loop $nextOne
      (br_if $onesDone (i32.ge_u (local.get $o) (local.get $width)))
      (local.set $ps (i32.add (local.get $source) (i32.shl (local.get $o) (i32.const 2))))
      (local.set $one (f32.load (i32.add (local.get $target) (i32.shl (local.get $o) (i32.const 2)))))
      (local.set $r (local.get $n))
      (block $summed (loop $nextRow
        (br_if $summed (i32.eqz (local.get $r)))
        (local.set $one (f32.add (local.get $one) (f32.load (local.get $ps))))
        (local.set $ps (i32.add (local.get $ps) (local.get $strideBytes)))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $nextRow)))
      (f32.store (i32.add (local.get $target) (i32.shl (local.get $o) (i32.const 2))) (local.get $one))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $nextOne)))
  )

  ;; The softmax of each of `rows` rows of `levels` logits, times `scale`: with m the row's largest
  ;; logit and s = Σ e^(x − m), probs[r][o] = scale · e^(x − m) / s (probs may be logits), and
  ;; stats[2r] = m, stats[2r + 1] = s, so the caller can take log-sum-exp = m + log s.
  (func (export "softmaxRows") (param $logits i32) (param $probs i32) (param $stats i32) (param $rows i32) (param $levels i32) (param $scale f32)
    (local $o i32) (local $px i32) (local $pp i32) (local $m f32) (local $mv v128) (local $e v128) (local $sum v128) (local $total f32) (local $factor v128)
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      ;; the largest logit
      (local.set $mv (f32x4.splat (f32.const -inf)))
      (local.set $px (local.get $logits))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $levels)))
        (local.set $mv (f32x4.max (local.get $mv) (v128.load (local.get $px))))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
        (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $levels)))
        (local.set $m (f32.max (local.get $m) (f32.load (local.get $px))))
        (local.set $px (i32.add (local.get $px) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      ;; e^(x − m) and their sum
      (local.set $mv (f32x4.splat (local.get $m)))
      (local.set $sum (v128.const f32x4 0 0 0 0))
      (local.set $px (local.get $logits))
      (local.set $pp (local.get $probs))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $levels)))
        (local.set $e (call $exp (f32x4.max (f32x4.sub (v128.load (local.get $px)) (local.get $mv)) (f32x4.splat (f32.const -87)))))
        (v128.store (local.get $pp) (local.get $e))
        (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (local.set $total (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
        (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $levels)))
        (local.set $e (call $exp (f32x4.max (f32x4.splat (f32.sub (f32.load (local.get $px)) (local.get $m))) (f32x4.splat (f32.const -87)))))
        (f32.store (local.get $pp) (f32x4.extract_lane 0 (local.get $e)))
        (local.set $total (f32.add (local.get $total) (f32x4.extract_lane 0 (local.get $e))))
        (local.set $px (i32.add (local.get $px) (i32.const 4)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      (f32.store (local.get $stats) (local.get $m))
      (f32.store offset=4 (local.get $stats) (local.get $total))
      ;; scaled to probabilities
      (local.set $factor (f32x4.splat (f32.div (local.get $scale) (local.get $total))))
      (local.set $pp (local.get $probs))
      (local.set $o (i32.const 0))
      (block $foursDone (loop $nextFour
        (br_if $foursDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $levels)))
        (v128.store (local.get $pp) (f32x4.mul (v128.load (local.get $pp)) (local.get $factor)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $nextFour)))
      (block $onesDone (loop $nextOne
        (br_if $onesDone (i32.ge_u (local.get $o) (local.get $levels)))
        (f32.store (local.get $pp) (f32.mul (f32.load (local.get $pp)) (f32x4.extract_lane 0 (local.get $factor))))
        (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $nextOne)))
      (local.set $logits (i32.add (local.get $logits) (i32.shl (local.get $levels) (i32.const 2))))
      (local.set $probs (i32.add (local.get $probs) (i32.shl (local.get $levels) (i32.const 2))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $nextRow)))
  )

  ;; Adam as tfjs's AdamOptimizer does it, per value, for n a multiple of 4:
  ;;   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,
  ;;   value ← (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε) · (−lr) + value.
  (func (export "adam") (param $values i32) (param $grads i32) (param $m i32) (param $v i32) (param $n i32)
    (param $lr f32) (param $beta1 f32) (param $beta2 f32) (param $oneMinusBeta1 f32) (param $oneMinusBeta2 f32)
    (param $oneMinusAccBeta1 f32) (param $oneMinusAccBeta2 f32) (param $epsilon f32)
    (local $g v128) (local $mNew v128) (local $vNew v128)
    (block $done (loop $nextFour
      (br_if $done (i32.lt_s (local.get $n) (i32.const 4)))
      (local.set $g (v128.load (local.get $grads)))
      (local.set $mNew (f32x4.add (f32x4.mul (v128.load (local.get $m)) (f32x4.splat (local.get $beta1)))
        (f32x4.mul (local.get $g) (f32x4.splat (local.get $oneMinusBeta1)))))
      (local.set $vNew (f32x4.add (f32x4.mul (v128.load (local.get $v)) (f32x4.splat (local.get $beta2)))
        (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (f32x4.splat (local.get $oneMinusBeta2)))))
      (v128.store (local.get $m) (local.get $mNew))
      (v128.store (local.get $v) (local.get $vNew))
      (v128.store (local.get $values) (f32x4.add
        (f32x4.mul
          (f32x4.div (f32x4.div (local.get $mNew) (f32x4.splat (local.get $oneMinusAccBeta1)))
            (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vNew) (f32x4.splat (local.get $oneMinusAccBeta2)))) (f32x4.splat (local.get $epsilon))))
          (f32x4.splat (f32.neg (local.get $lr))))
        (v128.load (local.get $values))))
      (local.set $values (i32.add (local.get $values) (i32.const 16)))
      (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (br $nextFour)))
  )
  ;; training-kernels:end
)
