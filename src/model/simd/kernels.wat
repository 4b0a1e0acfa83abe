;; The incremental samplers' arithmetic in WebAssembly SIMD (128-bit, four
;; float32 lanes). scripts/build-wasm.mjs compiles this file into
;; kernels.generated.ts; src/model/simd/simd.test.ts fails when the two differ.
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
)
