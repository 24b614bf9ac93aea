export * from "./mocks";
export * from "./evaluate";
export * from "./render";
