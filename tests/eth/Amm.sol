// SPDX-License-Identifier: MIT
// The e2e test's AMM and cross-VM bridge (tests/eth/e2e.mjs, docs/evm.md).
pragma solidity ^0.8.26;

interface IPairToken {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
}

// A constant-product pool of two ERC-20s (x·y = k, 0.3% fee on the input), with liquidity
// shares, in the shape of Uniswap v2's pair without its oracle and flash swaps.
contract Amm {
    IPairToken public immutable tokenA;
    IPairToken public immutable tokenB;
    uint256 public reserveA;
    uint256 public reserveB;
    uint256 public totalShares;
    mapping(address => uint256) public shares;

    event AddLiquidity(address indexed provider, uint256 amountA, uint256 amountB, uint256 shares);
    event Swap(address indexed trader, bool aToB, uint256 amountIn, uint256 amountOut);

    constructor(IPairToken a, IPairToken b) {
        tokenA = a;
        tokenB = b;
    }

    function sqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        uint256 z = (x + 1) / 2;
        y = x;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }

    function addLiquidity(uint256 amountA, uint256 amountB) external returns (uint256 s) {
        require(tokenA.transferFrom(msg.sender, address(this), amountA), "Amm: pull A failed");
        require(tokenB.transferFrom(msg.sender, address(this), amountB), "Amm: pull B failed");
        if (totalShares == 0) {
            s = sqrt(amountA * amountB);
        } else {
            uint256 sa = (amountA * totalShares) / reserveA;
            uint256 sb = (amountB * totalShares) / reserveB;
            s = sa < sb ? sa : sb;
        }
        require(s > 0, "Amm: no shares");
        shares[msg.sender] += s;
        totalShares += s;
        reserveA += amountA;
        reserveB += amountB;
        emit AddLiquidity(msg.sender, amountA, amountB, s);
    }

    function quote(uint256 amountIn, bool aToB) public view returns (uint256) {
        (uint256 rin, uint256 rout) = aToB ? (reserveA, reserveB) : (reserveB, reserveA);
        uint256 inWithFee = amountIn * 997;
        return (inWithFee * rout) / (rin * 1000 + inWithFee);
    }

    function swap(uint256 amountIn, bool aToB, uint256 minOut) external returns (uint256 out) {
        out = quote(amountIn, aToB);
        require(out > 0 && out >= minOut, "Amm: slippage");
        (IPairToken tin, IPairToken tout) = aToB ? (tokenA, tokenB) : (tokenB, tokenA);
        require(tin.transferFrom(msg.sender, address(this), amountIn), "Amm: pull failed");
        require(tout.transfer(msg.sender, out), "Amm: push failed");
        if (aToB) {
            reserveA += amountIn;
            reserveB -= out;
        } else {
            reserveB += amountIn;
            reserveA -= out;
        }
        emit Swap(msg.sender, aToB, amountIn, out);
    }
}

// Calls a WebAssembly contract (contracts/examples/xvm.c) through the cross-VM address and is
// called back by it.
contract Bridge {
    address constant XVM = address(0xCA11);
    address constant NATIVE = address(0xCA12);

    receive() external payable {}

    // BALANCE of any address, as EVM code sees it
    function balanceAt(address a) external view returns (uint256) {
        return a.balance;
    }

    // EVM -> native program: payload = a native transaction's payload; the bridge is the sender.
    // A failed program's Error(string) reason is passed on.
    function callNative(bytes memory payload) public returns (bytes memory) {
        (bool ok, bytes memory out) = NATIVE.call(payload);
        if (!ok) {
            assembly { revert(add(out, 32), mload(out)) }
        }
        return out;
    }

    // EVM -> WebAssembly with value: msg.value goes on to the WebAssembly contract's balance
    function callWasmPaying(bytes32 wasm, string memory method, bytes memory input) external payable {
        (bool ok, ) = XVM.call{value: msg.value}(abi.encodePacked(wasm, uint8(bytes(method).length), method, input));
        require(ok, "Bridge: wasm call failed");
    }

    uint256 public hits;
    address public lastCaller;

    event Hit(address indexed from, uint256 v);

    // called from WebAssembly (its call_evm)
    function ping(uint256 v) external {
        hits += v;
        lastCaller = msg.sender;
        emit Hit(msg.sender, v);
    }

    function callWasm(bytes32 wasm, string memory method, bytes memory input) public returns (bytes memory) {
        (bool ok, bytes memory out) = XVM.call(abi.encodePacked(wasm, uint8(bytes(method).length), method, input));
        require(ok, "Bridge: wasm call failed");
        return out;
    }

    // EVM -> WebAssembly call_evm -> EVM ping(v); then revert if asked: everything is undone
    function roundTrip(bytes32 wasm, uint256 v, bool fail) external {
        bytes memory cd = abi.encodeWithSelector(this.ping.selector, v);
        callWasm(wasm, "call_evm", abi.encodePacked(address(this), uint64(0), uint8(1), cd));
        require(!fail, "Bridge: rolled back");
    }
}
