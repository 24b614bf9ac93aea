export { affectedStacks, review, stacksFromFiles, UsageError } from "./command";
export { type Change, diffSides, fleetCost, renderReview, replacingInputs, reviewExitCode, reviewStack, type Side, type SideResource, showValue, STATEFUL_DATA_KEPT, statefulDataKept, type StackReview, summaryLine } from "./diff";
