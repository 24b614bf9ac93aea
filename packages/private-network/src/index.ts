export * from "./addresses";
export * from "./plan";
export { applyStep, keyStepCommand, PrivateNetwork, type PrivateNetworkArgs, type PrivateNetworkNodeArgs, WIREGUARD_SCRIPT_PATH } from "./network";
