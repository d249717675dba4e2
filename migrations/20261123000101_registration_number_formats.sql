-- Registration numbers as the registers write them: each qualification has a
-- format (a regular expression over the whole number, published in
-- GET /v1/qualifications) and a series. NATIONAL numbers are digits from one
-- counter per qualification; PREFECTURE numbers carry the registering
-- prefecture and count per prefecture (nursery teachers: 東京都-012345).
ALTER TABLE qualifications
    ADD COLUMN registration_number_format text NOT NULL DEFAULT '^[0-9]{1,10}$',
    ADD COLUMN registration_number_series text NOT NULL DEFAULT 'NATIONAL'
        CHECK (registration_number_series IN ('NATIONAL', 'PREFECTURE'));

UPDATE qualifications
SET registration_number_format = '^(北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県)-[0-9]{6}$',
    registration_number_series = 'PREFECTURE'
WHERE code = 'NURSERY_TEACHER';

-- A counter is now a qualification's code or `CODE/prefecture`.
ALTER TABLE registration_number_counters
    DROP CONSTRAINT registration_number_counters_qualification_code_fkey;
COMMENT ON COLUMN registration_number_counters.qualification_code IS
    'the counter: a qualification code, or CODE/prefecture for prefectural numbers';
