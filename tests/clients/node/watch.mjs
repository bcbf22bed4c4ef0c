// Watches a Dojo job with grpc-js: prints each event of dojo.v1.Jobs/WatchJob as one JSON line.
//   node watch.mjs <host:port> <token> <job id> <from seq>
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [address, token, jobId, fromSeq] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.join(here, '..', '..', '..', 'src', 'Protos');
const definition = protoLoader.loadSync('dojo/v1/jobs.proto', {
  includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { dojo } = grpc.loadPackageDefinition(definition);
const client = new dojo.v1.Jobs(address, grpc.credentials.createInsecure());

const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${token}`);
const call = client.WatchJob({ job_id: jobId, from_seq: fromSeq }, metadata);
call.on('data', (event) => {
  if (event.event === 'metric') console.log(JSON.stringify({ seq: Number(event.metric.seq), name: event.metric.name, value: event.metric.value }));
  else console.log(JSON.stringify({ state: event.state.state, next_seq: Number(event.state.next_seq) }));
});
call.on('error', (error) => { console.error(`${error.code}: ${error.details}`); process.exit(2); });
call.on('end', () => process.exit(0));
