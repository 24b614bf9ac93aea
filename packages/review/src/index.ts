export { affectedStacks, review, stacksFromFiles, UsageError } from "./command";
export { diffSides, fleetCost, renderReview, replacingInputs, reviewStack, type Side, type SideResource, showValue, type StackReview, summaryLine } from "./diff";
