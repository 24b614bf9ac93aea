export * from "./networks";
export * from "./runtime";
export * from "./image";
