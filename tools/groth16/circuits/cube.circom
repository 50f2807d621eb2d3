pragma circom 2.0.0;
// x^3 + x + 5 == y: the prover knows x, y is public
template Cube() {
    signal input x;
    signal output y;
    signal x2;
    signal x3;
    x2 <== x * x;
    x3 <== x2 * x;
    y <== x3 + x + 5;
}
component main = Cube();
