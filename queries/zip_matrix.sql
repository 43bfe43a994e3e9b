-- Trips dashboard: trips from each of the eight busiest pickup zips to each of the eight busiest
-- drop-off zips (busiest within the filters), one row per pair that has trips.
-- @param start_date DATE = '2016-01-01'
-- @param end_date DATE = '2016-02-29'
-- @param min_distance DOUBLE = 0
-- @param max_distance DOUBLE = NULL
-- @param pickup_zip INT = NULL
-- @param dropoff_zip INT = NULL
-- @param pickup_hour INT = NULL
-- @param pickup_day DATE = NULL
-- @run_as app
-- @cache_ttl 600
WITH filtered AS (
  SELECT pickup_zip, dropoff_zip
  FROM samples.nyctaxi.trips
  WHERE to_date(tpep_pickup_datetime) BETWEEN :start_date AND :end_date
    AND trip_distance >= :min_distance
    AND (:max_distance IS NULL OR trip_distance <= :max_distance)
    AND (:pickup_zip IS NULL OR pickup_zip = :pickup_zip)
    AND (:dropoff_zip IS NULL OR dropoff_zip = :dropoff_zip)
    AND (:pickup_hour IS NULL OR hour(tpep_pickup_datetime) = :pickup_hour)
    AND (:pickup_day IS NULL OR to_date(tpep_pickup_datetime) = :pickup_day)
),
top_pickups AS (
  SELECT pickup_zip FROM filtered GROUP BY pickup_zip ORDER BY count(*) DESC, pickup_zip LIMIT 8
),
top_dropoffs AS (
  SELECT dropoff_zip FROM filtered GROUP BY dropoff_zip ORDER BY count(*) DESC, dropoff_zip LIMIT 8
)
SELECT f.pickup_zip, f.dropoff_zip, count(*) AS trips
FROM filtered AS f
JOIN top_pickups AS p ON f.pickup_zip = p.pickup_zip
JOIN top_dropoffs AS d ON f.dropoff_zip = d.dropoff_zip
GROUP BY 1, 2
ORDER BY 1, 2
