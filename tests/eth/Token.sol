// SPDX-License-Identifier: MIT
// A plain ERC-20 for the ethers.js end-to-end test (make e2e-eth), compiled there by solc-js.
pragma solidity ^0.8.20;

contract Token {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        name = name_;
        symbol = symbol_;
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 a = allowance[from][msg.sender];
        require(a >= value, "Token: allowance exceeded");
        allowance[from][msg.sender] = a - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        require(to != address(0), "Token: transfer to the zero address");
        uint256 b = balanceOf[from];
        require(b >= value, "Token: insufficient balance");
        balanceOf[from] = b - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

interface IERC20 {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

// Holds deposits of any ERC-20 — here the ERC-20 views of SuperVM's ledger tokens.
contract Vault {
    mapping(address => mapping(address => uint256)) public deposits;

    function deposit(IERC20 token, uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount), "Vault: pull failed");
        deposits[address(token)][msg.sender] += amount;
    }

    function withdrawAll(IERC20 token) external {
        uint256 a = deposits[address(token)][msg.sender];
        deposits[address(token)][msg.sender] = 0;
        require(token.transfer(msg.sender, a), "Vault: push failed");
    }

    // Pulls, then reverts: the ledger move must be undone with everything else.
    function depositAndRevert(IERC20 token, uint256 amount) external {
        token.transferFrom(msg.sender, address(this), amount);
        revert("Vault: undone");
    }
}
