using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Mesh.Payment.Charges;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Payment.Idempotency;

/// <summary>
/// Stripe-like idempotency around one unit of work. The key is first registered (committed at once) with a reference
/// — the id of what the request creates, which is also the provider reference. Then the unit locks the key row: the
/// first request holds the lock until it commits its outcome, so concurrent duplicates wait and then read the stored
/// response (or error) — one charge, identical answers. A request that died after the provider charged but before
/// its commit is retried with the same reference, and the provider dedupes it: still one charge. The same key with another request (method or body differs) is
/// refused with FAILED_PRECONDITION (IDEMPOTENCY_KEY_REUSED). Results are kept for the key lifetime (≥ 24 h).
/// Errors that are the request's final answer (declines, NOT_FOUND, wrong state) are stored; transient ones
/// (UNAVAILABLE, ABORTED, INTERNAL …) roll back and free the key for a retry.
/// </summary>
public sealed class IdempotentCalls(PaymentStore store, PaymentOptions options, TimeProvider time)
{
    public const string MetadataKey = "idempotency-key";

    /// <summary>What a call came to: its result or its final error, and whether it was replayed from the key's stored outcome.</summary>
    public sealed record Outcome<T>(T? Result, RpcException? Error, bool Replayed);

    public async Task<T> RunAsync<T>(Guid userId, string? key, string method, IMessage request, MessageParser<T> parser,
        Func<PaymentUnit, Guid, Task<T>> work, CancellationToken cancellationToken) where T : class, IMessage<T>
    {
        var outcome = await ExecuteAsync(userId, key, method, request, parser, work, within: null, cancellationToken);
        return outcome.Error is { } error ? throw error : outcome.Result!;
    }

    /// <summary>
    /// Runs <paramref name="work"/> once per (user, key). Final errors are returned, not thrown; transient ones throw
    /// (nothing is committed). With <paramref name="within"/> (a queue consumer's transaction, which also holds its inbox
    /// row) the outcome commits with that transaction instead of its own.
    /// </summary>
    public async Task<Outcome<T>> ExecuteAsync<T>(Guid userId, string? key, string method, IMessage request, MessageParser<T> parser,
        Func<PaymentUnit, Guid, Task<T>> work, PaymentUnit? within, CancellationToken cancellationToken) where T : class, IMessage<T>
    {
        var reference = Guid.CreateVersion7();
        var hash = key is null ? null : Fingerprint(method, request);
        if (key is not null)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await store.RegisterIdempotencyKeyAsync(userId, key, hash!, now, now + options.EffectiveKeyLifetime);
        }
        await using var owned = within is null ? await store.BeginAsync(cancellationToken) : null;
        var unit = within ?? owned!;
        if (key is not null)
        {
            var stored = await unit.LockIdempotencyKeyAsync(userId, key);
            if (!CryptographicOperations.FixedTimeEquals(stored.RequestHash, hash)) return new Outcome<T>(null, PaymentErrors.KeyReused(), false);
            if (stored.Response is { } response) return new Outcome<T>(parser.ParseFrom(response), null, true);
            if (stored.Error is { } error) return new Outcome<T>(null, RpcStatus.Parser.ParseFrom(error).ToRpcException(), true);
            reference = stored.Reference; // a first try that died before its commit: the same reference again
        }

        T result;
        try
        {
            result = await work(unit, reference);
        }
        catch (RpcException ex) when (IsFinal(ex.StatusCode))
        {
            // Whatever the work recorded before refusing (a declined payment and its event) is kept, with the answer.
            if (key is not null)
            {
                var status = ex.GetRpcStatus() ?? new RpcStatus { Code = (int)ex.StatusCode, Message = ex.Status.Detail };
                await unit.SaveIdempotentResultAsync(userId, key, null, status.ToByteArray());
            }
            await unit.CommitAsync();
            return new Outcome<T>(null, ex, false);
        }
        if (key is not null) await unit.SaveIdempotentResultAsync(userId, key, result.ToByteArray(), null);
        await unit.CommitAsync();
        return new Outcome<T>(result, null, false);
    }

    /// <summary>SHA-256 of the method name and the request's bytes: "the same request".</summary>
    public static byte[] Fingerprint(string method, IMessage request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method));
        hash.AppendData([0]);
        hash.AppendData(request.ToByteArray());
        return hash.GetHashAndReset();
    }

    /// <summary>A key from metadata: null when absent; INVALID_ARGUMENT when not 1-255 visible ASCII characters.</summary>
    public static string? KeyFrom(Metadata headers)
    {
        var key = headers.GetValue(MetadataKey);
        if (key is null) return null;
        if (key.Length is 0 or > 255 || key.Any(c => c is < '!' or > '~'))
            new FieldViolations().Add(MetadataKey, "must be 1-255 visible ASCII characters").ThrowIfAny();
        return key;
    }

    private static bool IsFinal(StatusCode code) =>
        code is StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.OutOfRange;
}
