<?php
/**
 * [mesh_pay_button order_id="order-123" label="Pay with crypto" theme="light"]
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function mesh_pay_register_shortcode() {
	add_shortcode( 'mesh_pay_button', 'mesh_pay_button_shortcode' );
}

/**
 * @param array|string $atts Shortcode attributes ('' when none).
 * @return string
 */
function mesh_pay_button_shortcode( $atts ) {
	$atts = shortcode_atts(
		array(
			'order_id' => '',
			'label'    => '',
			'theme'    => '',
		),
		is_array( $atts ) ? $atts : array(),
		'mesh_pay_button'
	);
	$markup = mesh_pay_button_markup( $atts );
	// A block-level wrapper, like the block's: block themes lay out (width, margins) their content's
	// direct children, and a bare custom element is inline.
	return '' === $markup ? '' : '<div class="wp-block-mesh-pay-button mesh-pay-shortcode">' . $markup . '</div>';
}
