export * from "./networks";
export * from "./runtime";
