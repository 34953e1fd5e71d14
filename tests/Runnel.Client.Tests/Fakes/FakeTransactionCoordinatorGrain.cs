using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

/// <summary>A transaction coordinator over <see cref="FakeBroker.Transactions"/>: epochs, fencing and the open
/// transaction's partitions, without markers (the fake partitions keep every record).</summary>
public sealed class FakeTransactionCoordinatorGrain(FakeBroker broker) : Grain, ITransactionCoordinatorGrain
{
    private FakeTransaction State => broker.Transactions.GetOrAdd(this.GetPrimaryKeyString(), k => new FakeTransaction(k));

    public ValueTask<ProducerIdentity> InitProducerIdAsync(TimeSpan transactionTimeout, CancellationToken cancellationToken = default)
    {
        var state = State;
        lock (state)
        {
            if (state.ProducerId < 0)
            {
                state.ProducerId = broker.AllocateProducerId();
            }
            else
            {
                if (state.Status == TransactionStatus.Ongoing)
                {
                    End(state, commit: false);
                }

                state.Epoch++;
            }

            state.Timeout = transactionTimeout;
            state.Status = TransactionStatus.Empty;
            return ValueTask.FromResult(new ProducerIdentity(state.ProducerId, state.Epoch));
        }
    }

    public ValueTask AddPartitionsAsync(ProducerIdentity producer, IReadOnlyList<TransactionPartition> partitions, CancellationToken cancellationToken = default)
    {
        var state = State;
        lock (state)
        {
            Check(state, producer);
            foreach (var partition in partitions)
            {
                if (!broker.Topics.ContainsKey(partition.Topic))
                {
                    throw new RunnelException(RunnelErrorCode.UnknownTopic, $"Topic '{partition.Topic}' does not exist.");
                }
            }

            Open(state);
            foreach (var partition in partitions)
            {
                if (!state.Partitions.Contains(partition))
                {
                    state.Partitions.Add(partition);
                    broker.TransactionEvents.Enqueue("add " + partition);
                }
            }
        }

        return default;
    }

    public ValueTask AddGroupAsync(ProducerIdentity producer, string groupId, CancellationToken cancellationToken = default)
    {
        var state = State;
        lock (state)
        {
            Check(state, producer);
            Open(state);
            if (!state.Groups.Contains(groupId))
            {
                state.Groups.Add(groupId);
            }
        }

        return default;
    }

    public ValueTask<ProducerIdentity> EndTransactionAsync(ProducerIdentity producer, bool commit, bool bumpEpoch, CancellationToken cancellationToken = default)
    {
        var state = State;
        lock (state)
        {
            Check(state, producer);
            if (state.Status != TransactionStatus.Ongoing)
            {
                throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"'{state.Id}' has no open transaction ({state.Status}).");
            }

            End(state, commit);
            if (bumpEpoch)
            {
                state.Epoch++;
            }

            return ValueTask.FromResult(new ProducerIdentity(state.ProducerId, state.Epoch));
        }
    }

    public ValueTask<Grains.TransactionDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        if (!broker.Transactions.TryGetValue(this.GetPrimaryKeyString(), out var state) || state.ProducerId < 0)
        {
            throw new RunnelException(RunnelErrorCode.UnknownTransactionalId, $"Transactional id '{this.GetPrimaryKeyString()}' was never initialized.");
        }

        lock (state)
        {
            return ValueTask.FromResult(state.Describe());
        }
    }

    public ValueTask<bool> ExpireAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    private static void Check(FakeTransaction state, ProducerIdentity producer)
    {
        if (producer.ProducerId != state.ProducerId || producer.ProducerEpoch < state.Epoch)
        {
            throw new RunnelException(RunnelErrorCode.ProducerFenced,
                $"Producer {producer.ProducerId} epoch {producer.ProducerEpoch} of '{state.Id}' was fenced: the coordinator is at producer {state.ProducerId} epoch {state.Epoch}.");
        }
    }

    private static void Open(FakeTransaction state)
    {
        if (state.Status != TransactionStatus.Ongoing)
        {
            state.Status = TransactionStatus.Ongoing;
            state.StartedAt = DateTimeOffset.UtcNow;
        }
    }

    private void End(FakeTransaction state, bool commit)
    {
        state.Ended.Add((commit, [.. state.Partitions], state.Epoch));
        broker.TransactionEvents.Enqueue(commit ? "commit" : "abort");
        state.Partitions.Clear();
        state.Groups.Clear();
        state.StartedAt = null;
        state.Status = commit ? TransactionStatus.CompleteCommit : TransactionStatus.CompleteAbort;
    }
}
