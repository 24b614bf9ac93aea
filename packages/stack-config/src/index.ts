export * from "./errors";
export * from "./schema";
export * from "./load";
export * from "./pulumi-config";
export * from "./redact";
export * from "./stack-file";
