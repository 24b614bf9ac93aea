export * from "./networks";
export * from "./runtime";
export * from "./image";
export * from "./data-volume";
