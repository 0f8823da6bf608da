-- When a push last started talking to its processor, written and committed before the first request leaves. A worker
-- killed during the call (or unable to record the outcome) left no trace that the processor may hold the data: the
-- attempt counter moves only with the outcome. Erasure and rectification (Art. 19) read this too.
ALTER TABLE processor_syncs ADD COLUMN called_at timestamptz;
