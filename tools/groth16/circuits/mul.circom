pragma circom 2.0.0;
// a*b = c with c public, and a range-free second constraint so the circuit has 2 public inputs
template Mul() {
    signal input a;
    signal input b;
    signal input d;
    signal output c;
    signal output e;
    c <== a * b;
    e <== c * d;
}
component main {public [d]} = Mul();
