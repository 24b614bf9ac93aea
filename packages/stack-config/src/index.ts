export * from "./schema";
export * from "./load";
export * from "./pulumi-config";
export * from "./stack-file";
