import { manyDigests } from './scenarios/many-digests.ts';
console.log(JSON.stringify(await manyDigests({ digests: Number(process.argv[2] ?? 1000), naiveSeconds: 2, progress: (l) => console.error(l) })));
