using Dapper;
using Mesh.Rating.Events;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Rating.Reviews;

/// <summary>
/// The one store of reviews (PostgreSQL, jsonb for their open parts; docs/decisions/0010): reviews, votes, reports, the
/// moderation log and each item's aggregate. Every change to a visible review's stars moves the item's aggregate in the
/// same transaction by the difference alone (never a rescan), with its "rating.changed" event in the outbox; locks are
/// always taken review first, aggregate second.
/// </summary>
public sealed class ReviewStore(NpgsqlDataSource db)
{
    private const string UniqueViolation = "23505";

    private const string ReviewColumns = """
        id, item, author_id AS AuthorId, stars, title, body, aspects::text AS Aspects, purchase::text AS Purchase,
        helpful_count AS HelpfulCount, state, hidden_reason AS HiddenReason, pending_reports AS PendingReports,
        create_time AS CreateTime, update_time AS UpdateTime
        """;

    private const string AggregateColumns = """
        item, kind, city_id AS CityId, stars1, stars2, stars3, stars4, stars5, review_count AS ReviewCount,
        star_sum AS StarSum, bayesian, version
        """;

    // One star value added and/or one removed (0 = none): the histogram's columns move by the difference.
    private const string Deltas = """
        stars1 = stars1 + (@add = 1)::int - (@remove = 1)::int, stars2 = stars2 + (@add = 2)::int - (@remove = 2)::int,
        stars3 = stars3 + (@add = 3)::int - (@remove = 3)::int, stars4 = stars4 + (@add = 4)::int - (@remove = 4)::int,
        stars5 = stars5 + (@add = 5)::int - (@remove = 5)::int
        """;

    /// <summary>Migrations/*.sql in order, then the outbox and inbox tables.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(ReviewStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    public abstract record CreateOutcome
    {
        public sealed record Created(ReviewRow Review, AggregateRow Aggregate) : CreateOutcome;
        public sealed record Duplicate(Guid ExistingId) : CreateOutcome;
    }

    /// <summary>Writes a new visible review and adds its stars to the item's aggregate (created with the first review), in one transaction.</summary>
    public async Task<CreateOutcome> CreateAsync(ReviewRow review, string kind, string cityId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync("""
            INSERT INTO reviews (id, item, author_id, stars, title, body, aspects, purchase, state, create_time, update_time)
            VALUES (@Id, @Item, @AuthorId, @Stars, @Title, @Body, @Aspects::jsonb, @Purchase::jsonb, 'VISIBLE', @CreateTime, @UpdateTime)
            ON CONFLICT (item, author_id) DO NOTHING
            """, review, tx);
        if (inserted == 0)
        {
            var existing = await connection.ExecuteScalarAsync<Guid>("SELECT id FROM reviews WHERE item = @Item AND author_id = @AuthorId", review, tx);
            return new CreateOutcome.Duplicate(existing);
        }
        var aggregate = await connection.QuerySingleAsync<AggregateRow>($"""
            INSERT INTO item_ratings AS r (item, kind, city_id, stars1, stars2, stars3, stars4, stars5, version)
            VALUES (@item, @kind, @cityId, (@add = 1)::int, (@add = 2)::int, (@add = 3)::int, (@add = 4)::int, (@add = 5)::int, 1)
            ON CONFLICT (item) DO UPDATE SET
                stars1 = r.stars1 + excluded.stars1, stars2 = r.stars2 + excluded.stars2, stars3 = r.stars3 + excluded.stars3,
                stars4 = r.stars4 + excluded.stars4, stars5 = r.stars5 + excluded.stars5, version = r.version + 1,
                city_id = CASE WHEN r.city_id = '' THEN excluded.city_id ELSE r.city_id END
            RETURNING {AggregateColumns}
            """, new { item = review.Item, kind, cityId, add = review.Stars }, tx);
        await Outbox.AddAsync(tx, RatingChanged.Message(aggregate), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new CreateOutcome.Created(review, aggregate);
    }

    /// <summary>What an author may change of their review.</summary>
    public sealed record Edit(int? Stars, string? Title, string? Body, string? Aspects);

    public abstract record ChangeOutcome
    {
        public sealed record Done(ReviewChange Change) : ChangeOutcome;
        public sealed record NotFound : ChangeOutcome;
        public sealed record Refused : ChangeOutcome;
    }

    /// <summary>Changes the author's own review; a visible review's new stars move the aggregate by the difference.</summary>
    public async Task<ChangeOutcome> UpdateAsync(Guid id, string authorId, Edit edit, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var review = await LockAsync(tx, id);
        if (review is null) return new ChangeOutcome.NotFound();
        if (review.AuthorId != authorId) return new ChangeOutcome.Refused();
        var oldStars = review.Stars;
        review.Stars = edit.Stars ?? review.Stars;
        review.Title = edit.Title ?? review.Title;
        review.Body = edit.Body ?? review.Body;
        review.Aspects = edit.Aspects ?? review.Aspects;
        review.UpdateTime = now;
        await connection.ExecuteAsync("""
            UPDATE reviews SET stars = @Stars, title = @Title, body = @Body, aspects = @Aspects::jsonb, update_time = @UpdateTime WHERE id = @Id
            """, review, tx);
        var aggregate = review.Visible && oldStars != review.Stars ? await MoveAsync(tx, review.Item, add: review.Stars, remove: oldStars) : null;
        await tx.CommitAsync(cancellationToken);
        return new ChangeOutcome.Done(new ReviewChange(review, aggregate));
    }

    /// <summary>Deletes the author's own review (votes, reports and log go with it); a visible one leaves the aggregate.</summary>
    public async Task<ChangeOutcome> DeleteAsync(Guid id, string authorId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var review = await LockAsync(tx, id);
        if (review is null) return new ChangeOutcome.NotFound();
        if (review.AuthorId != authorId) return new ChangeOutcome.Refused();
        await connection.ExecuteAsync("DELETE FROM reviews WHERE id = @id", new { id }, tx);
        var aggregate = review.Visible ? await MoveAsync(tx, review.Item, add: 0, remove: review.Stars) : null;
        await tx.CommitAsync(cancellationToken);
        return new ChangeOutcome.Done(new ReviewChange(null, aggregate));
    }

    /// <summary>One helpful vote of <paramref name="voterId"/> on a visible review of someone else; a repeated vote changes nothing.</summary>
    public async Task<ChangeOutcome> VoteAsync(Guid id, string voterId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var review = await LockAsync(tx, id);
        if (review is null || !review.Visible) return new ChangeOutcome.NotFound();
        if (review.AuthorId == voterId) return new ChangeOutcome.Refused();
        var added = await connection.ExecuteAsync("""
            INSERT INTO review_votes (review_id, voter_id, author_id, create_time) VALUES (@id, @voterId, @author, @now)
            ON CONFLICT DO NOTHING
            """, new { id, voterId, author = review.AuthorId, now }, tx);
        if (added == 1)
            review.HelpfulCount = await connection.ExecuteScalarAsync<int>(
                "UPDATE reviews SET helpful_count = helpful_count + 1 WHERE id = @id RETURNING helpful_count", new { id }, tx);
        await tx.CommitAsync(cancellationToken);
        return new ChangeOutcome.Done(new ReviewChange(review, null));
    }

    /// <summary>
    /// One report of <paramref name="reporterId"/> on someone else's review (a repeated report changes nothing). The
    /// report that brings the reports since the last moderator decision to <paramref name="reportsToHide"/> hides a
    /// visible review ("reports" in the log) and takes it out of the aggregate.
    /// </summary>
    public async Task<ChangeOutcome> ReportAsync(Guid id, string reporterId, string reason, int reportsToHide, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var review = await LockAsync(tx, id);
        if (review is null) return new ChangeOutcome.NotFound();
        if (review.AuthorId == reporterId) return new ChangeOutcome.Refused();
        var added = await connection.ExecuteAsync("""
            INSERT INTO review_reports (review_id, reporter_id, author_id, reason, create_time) VALUES (@id, @reporterId, @author, @reason, @now)
            ON CONFLICT DO NOTHING
            """, new { id, reporterId, author = review.AuthorId, reason, now }, tx);
        AggregateRow? aggregate = null;
        if (added == 1)
        {
            review.PendingReports++;
            await connection.ExecuteAsync("UPDATE reviews SET pending_reports = @PendingReports WHERE id = @Id", review, tx);
            if (review.Visible && review.PendingReports >= reportsToHide)
                aggregate = await SetStateAsync(tx, review, hide: true, "reports", $"reported by {review.PendingReports} users; pending review", now);
        }
        await tx.CommitAsync(cancellationToken);
        return new ChangeOutcome.Done(new ReviewChange(review, aggregate));
    }

    /// <summary>
    /// A moderator hides or restores a review with a reason (logged). Hiding takes a visible review out of the
    /// aggregate; restoring puts a hidden one back and clears its pending reports. Repeating either changes nothing.
    /// </summary>
    public async Task<ChangeOutcome> ModerateAsync(Guid id, bool hide, string moderatorId, string reason, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var review = await LockAsync(tx, id);
        if (review is null) return new ChangeOutcome.NotFound();
        AggregateRow? aggregate = null;
        if (review.Visible == hide) aggregate = await SetStateAsync(tx, review, hide, moderatorId, reason, now);
        await tx.CommitAsync(cancellationToken);
        return new ChangeOutcome.Done(new ReviewChange(review, aggregate));
    }

    private static async Task<AggregateRow> SetStateAsync(NpgsqlTransaction tx, ReviewRow review, bool hide, string actor, string reason, DateTime now)
    {
        review.State = hide ? ReviewStates.Hidden : ReviewStates.Visible;
        review.HiddenReason = hide ? reason : null;
        if (!hide) review.PendingReports = 0;
        await tx.Connection!.ExecuteAsync("""
            UPDATE reviews SET state = @State, hidden_reason = @HiddenReason, pending_reports = @PendingReports WHERE id = @Id;
            INSERT INTO review_moderations (id, review_id, action, actor, reason, create_time) VALUES (@logId, @Id, @action, @actor, @reason, @now)
            """, new { review.State, review.HiddenReason, review.PendingReports, review.Id, logId = Guid.CreateVersion7(), action = hide ? "HIDE" : "RESTORE", actor, reason, now }, tx);
        return await MoveAsync(tx, review.Item, add: hide ? 0 : review.Stars, remove: hide ? review.Stars : 0);
    }

    /// <summary>Moves the item's histogram by one star value added and/or removed, and announces the result (outbox).</summary>
    private static async Task<AggregateRow> MoveAsync(NpgsqlTransaction tx, string item, int add, int remove)
    {
        var aggregate = await tx.Connection!.QuerySingleAsync<AggregateRow>(
            $"UPDATE item_ratings SET {Deltas}, version = version + 1 WHERE item = @item RETURNING {AggregateColumns}", new { item, add, remove }, tx);
        await Outbox.AddAsync(tx, RatingChanged.Message(aggregate));
        return aggregate;
    }

    private static Task<ReviewRow?> LockAsync(NpgsqlTransaction tx, Guid id) =>
        tx.Connection!.QuerySingleOrDefaultAsync<ReviewRow>($"SELECT {ReviewColumns} FROM reviews WHERE id = @id FOR UPDATE", new { id }, tx);

    public async Task<AggregateRow> GetAggregateAsync(string item, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AggregateRow>($"SELECT {AggregateColumns} FROM item_ratings WHERE item = @item", new { item })
            ?? AggregateRow.Empty(item);
    }

    /// <summary>A page of an item's visible reviews in <paramref name="order"/>, after the keyset position <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<ReviewRow>> ListAsync(string item, ReviewListOrder order, ReviewKey? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var (keyed, sorted) = order.KeySql is { } key ? ($"{key}, ", $"{key} DESC, ") : ("", "");
        var sql = $"""
            SELECT {ReviewColumns} FROM reviews
            WHERE item = @item AND state = 'VISIBLE' AND (NOT @hasAfter OR ({keyed}create_time, id) < ({(keyed.Length > 0 ? "@k, " : "")}@t, @id))
            ORDER BY {sorted}create_time DESC, id DESC LIMIT @limit
            """;
        return (await connection.QueryAsync<ReviewRow>(sql, new
        {
            item, hasAfter = after is not null, k = after?.Key ?? 0, t = after?.CreateTime ?? DateTime.UnixEpoch, id = after?.Id ?? Guid.Empty, limit,
        })).AsList();
    }

    /// <summary>Reviewed items by Bayesian average, then count, then name; optionally of one city and kind.</summary>
    public async Task<IReadOnlyList<AggregateRow>> TopRatedAsync(string city, string kind, TopRatedKey? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<AggregateRow>($"""
            SELECT {AggregateColumns} FROM item_ratings
            WHERE stars1 + stars2 + stars3 + stars4 + stars5 > 0
              AND (@city = '' OR city_id = @city) AND (@kind = '' OR kind = @kind)
              AND (NOT @hasAfter OR (bayesian < @b OR (bayesian = @b AND (review_count < @c OR (review_count = @c AND item > @item)))))
            ORDER BY bayesian DESC, review_count DESC, item LIMIT @limit
            """, new { city, kind, hasAfter = after is not null, b = after?.Bayesian ?? 0, c = after?.Count ?? 0, item = after?.Item ?? "", limit })).AsList();
    }
}

/// <summary>A listing order as SQL: the first sort key (descending; none for newest), then newest first.</summary>
public sealed record ReviewListOrder(string Name, string? KeySql, Func<ReviewRow, int> Key)
{
    public static readonly ReviewListOrder Newest = new("n", null, _ => 0);
    public static readonly ReviewListOrder MostHelpful = new("h", "helpful_count", r => r.HelpfulCount);
    public static readonly ReviewListOrder HighestRated = new("s", "stars", r => r.Stars);
    public static readonly ReviewListOrder LowestRated = new("l", "(-stars)", r => -r.Stars);
}

/// <summary>Where a page of reviews ended.</summary>
public sealed record ReviewKey(int Key, DateTime CreateTime, Guid Id);

/// <summary>Where a page of the top-rated list ended.</summary>
public sealed record TopRatedKey(double Bayesian, int Count, string Item);
