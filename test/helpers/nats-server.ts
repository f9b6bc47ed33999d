/** The tests' nats-server is the benchmarks' (bench/nats-server.ts): one way to run a real server. */
export { NatsServer, NatsCluster } from "../../bench/nats-server.js";
